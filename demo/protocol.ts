/**
 * The messages between the page (main.ts) and the training worker (worker.ts). The worker owns the training
 * run: its own WebGPU device, the model being trained and its optimiser. The page keeps a copy of the model for
 * drawing, filters, saving and loading, and takes the worker's weights (safetensors bytes) at each probe, each
 * epoch's end and the end of the run.
 */
import type * as wc from '../src/index';
import type { TrainConfig } from './controls';

/** What the page asks of the worker. */
export type ToWorker =
  | { type: 'train'; config: TrainConfig; seed: number; lossEvery: number; probeSize: number; tuning: unknown }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** What the worker reports while it trains. */
export type FromWorker =
  /** after each optimiser step; `seconds` leaves out pauses, `rate` is steps per second over the last steps */
  | { type: 'batch'; epoch: number; batch: number; step: number; loss?: number; rate: number; seconds: number }
  /** accuracy on the probe digits every few steps, with the weights that reached it */
  | { type: 'probe'; step: number; accuracy: number; weights: Uint8Array }
  /** the last batch of an epoch is done and the test digits are being evaluated */
  | { type: 'evaluating'; epoch: number }
  | { type: 'epoch'; epoch: number; step: number; trainLoss: number; validation: wc.Evaluation; weights: Uint8Array }
  | { type: 'done'; step: number; seconds: number; stopped: boolean; accuracy: number | null; weights: Uint8Array; tuning: unknown }
  | { type: 'error'; message: string };
