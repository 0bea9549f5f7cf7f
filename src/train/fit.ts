/**
 * The training loop: seeded shuffling, mini-batches, forward, cross-entropy, backward, optimiser step.
 * The loss stays on the GPU and is summed there; it is read back (a CPU–GPU sync) only every `lossEvery`
 * batches and at the end of an epoch, so steps are not stalled one by one.
 */
import { tensor, type Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { add } from '../ops/add';
import { crossEntropy } from '../ops/crossentropy';
import { scope } from '../tensor';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import type { LRScheduler } from '../optim/schedules';
import { batches, epochOrder, seededRandom, type Dataset } from '../data/dataset';
import { evaluate, type Evaluation } from './evaluate';

/** What `fit` passes to `onBatchEnd` after each optimiser step. */
export interface BatchEnd {
  epoch: number;
  /** batch index within the epoch, from 0 */
  batch: number;
  batches: number;
  /** mean training loss since the last report; only on batches where it was read back */
  loss?: number;
}

/** What `fit` passes to `onEpochEnd` and returns, one per epoch. */
export interface EpochEnd {
  epoch: number;
  trainLoss: number;
  validation?: Evaluation;
  seconds: number;
}

/** Options of `fit`: the optimiser is required, everything else has a default. */
export interface FitOptions {
  optimizer: Optimizer;
  epochs?: number;
  batchSize?: number;
  validation?: Dataset;
  /** reshuffle each epoch from this seed (default 0); false keeps the data's order */
  shuffle?: boolean;
  seed?: number;
  /** read the loss back every this many batches (default 20) */
  lossEvery?: number;
  /** stepped after every optimiser step */
  scheduler?: LRScheduler;
  /** called after each batch; `fit` awaits it, so it may pause the loop */
  onBatchEnd?: (info: BatchEnd) => void | Promise<void>;
  /** called after each epoch, after the validation set (if any) was evaluated */
  onEpochEnd?: (info: EpochEnd) => void | Promise<void>;
  /** checked before each batch: return true to stop training early (pause, stop buttons) */
  shouldStop?: () => boolean;
}

/**
 * Trains `model` with cross-entropy on `data` for `epochs` (default 1) in mini-batches of `batchSize` (default
 * 64), reshuffled each epoch from `seed`, and evaluates `validation` after each epoch. The loss is read back only
 * every `lossEvery` batches, so steps are not stalled one by one. Returns one `EpochEnd` per epoch.
 */
export async function fit(model: Module, data: Dataset, options: FitOptions): Promise<EpochEnd[]> {
  const { optimizer, epochs = 1, batchSize = 64, shuffle = true, seed = 0, lossEvery = 20 } = options;
  const random = shuffle ? seededRandom(seed) : undefined;
  const nBatches = Math.ceil(data.length / batchSize);
  const history: EpochEnd[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    model.train();
    let pending: Tensor | null = null; // sum of losses not yet read back
    let pendingCount = 0;
    let epochSum = 0;
    let epochCount = 0;
    let b = 0;
    for (const batch of batches(data, batchSize, epochOrder(data.length, random))) {
      if (options.shouldStop?.()) break;
      const loss = trainStep(model, optimizer, batch.images, batch.labels, [batch.size, ...data.shape]);
      options.scheduler?.step();
      const sum: Tensor = pending ? noGrad(() => add(pending!, loss)) : loss;
      if (pending) {
        pending.dispose();
        loss.dispose();
      }
      pending = sum;
      pendingCount++;
      const last = b === nBatches - 1;
      let reported: number | undefined;
      if (pendingCount === lossEvery || last) {
        const total = (await pending.data())[0];
        pending.dispose();
        pending = null;
        epochSum += total;
        epochCount += pendingCount;
        reported = total / pendingCount;
        pendingCount = 0;
      }
      await options.onBatchEnd?.({ epoch, batch: b, batches: nBatches, loss: reported });
      b++;
    }
    if (pending) {
      epochSum += (await pending.data())[0];
      epochCount += pendingCount;
      pending.dispose();
    }
    const info: EpochEnd = { epoch, trainLoss: epochSum / Math.max(epochCount, 1), seconds: 0 };
    if (options.validation) info.validation = await evaluate(model, options.validation);
    info.seconds = (performance.now() - start) / 1000;
    history.push(info);
    await options.onEpochEnd?.(info);
    if (options.shouldStop?.()) break;
  }
  return history;
}

/** One optimiser step on one batch; returns the batch's mean loss as a GPU scalar (not read back). */
export function trainStep(model: Module, optimizer: Optimizer, images: Float32Array, labels: Int32Array, shape: number[]): Tensor {
  const loss = scope(() => {
    const x = tensor(images, shape);
    return crossEntropy(model.forward(x), labels);
  });
  loss.backward();
  optimizer.step();
  optimizer.zeroGrad();
  // The loss's graph is released by backward; what is left is a plain scalar.
  return loss;
}
