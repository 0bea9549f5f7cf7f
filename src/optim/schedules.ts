/**
 * Learning-rate schedules: each is a function of the step count that an optimiser's `lr` is set from.
 * `scheduler.step()` after each optimiser step (or epoch, as you count) moves it on, as in PyTorch.
 */
import type { Optimizer } from './optimizer';

/** A learning rate as a function of the step count. */
export type Schedule = (step: number) => number;

/** lr * gamma^floor(step / stepSize) (torch.optim.lr_scheduler.StepLR). */
export const stepDecay = (lr: number, stepSize: number, gamma = 0.1): Schedule => (t) => lr * gamma ** Math.floor(t / stepSize);

/** Cosine annealing from lr down to minLr over totalSteps (CosineAnnealingLR without restarts). */
export const cosine = (lr: number, totalSteps: number, minLr = 0): Schedule => (t) =>
  minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(t, totalSteps)) / totalSteps))) / 2;

/** Linear warm-up from lr / warmupSteps to the schedule's value over warmupSteps, then the schedule itself. */
export const withWarmup = (schedule: Schedule, warmupSteps: number): Schedule => (t) =>
  t < warmupSteps ? (schedule(t) * (t + 1)) / warmupSteps : schedule(t);

/** Sets an optimiser's `lr` from a `Schedule`: `lr = schedule(0)` now, then `schedule(k)` at the k-th `step()`. */
export class LRScheduler {
  private count = 0;
  constructor(
    readonly optimizer: Optimizer,
    readonly schedule: Schedule,
  ) {
    optimizer.lr = schedule(0);
  }
  /** Moves the schedule on by one step and sets the optimiser's `lr`. */
  step(): void {
    this.optimizer.lr = this.schedule(++this.count);
  }
}
