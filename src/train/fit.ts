/**
 * The training loop: seeded shuffling, mini-batches, forward, cross-entropy, backward, optimiser step.
 * The loss stays on the GPU and is summed there; it is read back (a CPU–GPU sync) only every `lossEvery`
 * batches and at the end of an epoch, so steps are not stalled one by one.
 */
import { describeValue, tensor, type Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { add } from '../ops/add';
import type { LRScheduler } from '../optim/schedules';
import { batches, checkDataset, epochOrder, seededRandom, type Batch, type Dataset } from '../data/dataset';
import { Module } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { evaluate, type Evaluation, type LossFn, type Metric } from './evaluate';
import { compiledTrainStep, lossAndUpdate } from './step';
import { compile } from './warmup';
import { nonFinite } from './numbers';

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
  /**
   * loss(output, target) -> a scalar; default cross-entropy with the labels. `target` is a tensor of the
   * batch's float targets when the dataset has them (masks), else of its labels as float class indices.
   */
  loss?: LossFn;
  /** reported in each epoch's validation: the mean over the validation samples of each metric's batch value */
  metrics?: Record<string, Metric>;
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
  /** replay a compiled step after the first batches of each shape (default true); false runs op by op */
  compile?: boolean;
}

/**
 * Trains `model` with cross-entropy on `data` for `epochs` (default 1) in mini-batches of `batchSize` (default
 * 64), reshuffled each epoch from `seed`, and evaluates `validation` after each epoch. The loss is read back only
 * every `lossEvery` batches, so steps are not stalled one by one. Returns one `EpochEnd` per epoch.
 */
export async function fit(model: Module, data: Dataset, options: FitOptions): Promise<EpochEnd[]> {
  if (!(model instanceof Module)) throw new TypeError(`webgpu-cnn fit: model must be a Module, got ${describeValue(model)}`);
  if (!(options?.optimizer instanceof Optimizer)) {
    throw new TypeError(`webgpu-cnn fit: options.optimizer is required (e.g. new wc.optim.Adam(model.parameters())), got ${describeValue(options?.optimizer)}`);
  }
  const { epochs = 1, batchSize = 64, shuffle = true, seed = 0, lossEvery = 20 } = options;
  for (const [name, v] of Object.entries({ epochs, batchSize, lossEvery })) {
    if (!Number.isInteger(v) || v < (name === 'epochs' ? 0 : 1)) throw new Error(`webgpu-cnn fit: options.${name} must be a positive integer, got ${describeValue(v)}`);
  }
  checkDataset('fit', data);
  if (options.validation) checkDataset('fit', options.validation, 'options.validation');
  const random = shuffle ? seededRandom(seed) : undefined;
  const history: EpochEnd[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    model.train();
    // Shader compilation in the background, before the first step rather than inside it.
    if (epoch === 0 && options.compile !== false && data.length) await compile(model, [Math.min(batchSize, data.length), ...data.shape]);
    const order = epochOrder(data.length, random);
    const trainLoss = await trainEpoch(model, data, options, { epoch, order, batchSize, lossEvery, nBatches: Math.ceil(data.length / batchSize) });
    const info: EpochEnd = { epoch, trainLoss, seconds: 0 };
    if (options.validation) info.validation = await evaluate(model, options.validation, { loss: options.loss, metrics: options.metrics });
    info.seconds = (performance.now() - start) / 1000;
    history.push(info);
    await options.onEpochEnd?.(info);
    if (options.shouldStop?.()) break;
  }
  return history;
}

interface EpochPlan {
  epoch: number;
  order: Int32Array;
  batchSize: number;
  lossEvery: number;
  nBatches: number;
}

/** One pass over the data; returns the mean training loss. Stops with an error at a NaN or infinite loss. */
async function trainEpoch(model: Module, data: Dataset, options: FitOptions, plan: EpochPlan): Promise<number> {
  const { epoch, nBatches, lossEvery } = plan;
  let pending: Tensor | null = null; // sum of losses not yet read back
  let pendingCount = 0;
  let epochSum = 0;
  let epochCount = 0;
  let b = 0;
  try {
    for (const batch of batches(data, plan.batchSize, plan.order)) {
      if (options.shouldStop?.()) break;
      const loss = trainStep(model, options.optimizer, batch.images, batch.labels, [batch.size, ...data.shape], {
        compile: options.compile, loss: options.loss, data, batch,
      });
      options.scheduler?.step();
      const sum: Tensor = pending ? noGrad(() => add(pending!, loss)) : loss;
      if (pending) {
        pending.dispose();
        loss.dispose();
      }
      pending = sum;
      pendingCount++;
      let reported: number | undefined;
      if (pendingCount === lossEvery || b === nBatches - 1) {
        const total = (await pending.data())[0];
        pending.dispose();
        pending = null;
        epochSum += total;
        epochCount += pendingCount;
        reported = total / pendingCount;
        pendingCount = 0;
      }
      await options.onBatchEnd?.({ epoch, batch: b, batches: nBatches, loss: reported });
      if (reported !== undefined && !Number.isFinite(reported)) {
        throw nonFinite('fit', reported, `the mean training loss of epoch ${epoch} up to batch ${b}`);
      }
      b++;
    }
    if (pending) {
      epochSum += (await pending.data())[0];
      epochCount += pendingCount;
    }
  } finally {
    // An error mid-epoch (a bad batch, a lost device) must not strand the running sum on the GPU.
    pending?.dispose();
  }
  if (!Number.isFinite(epochSum)) throw nonFinite('fit', epochSum, `the training loss of epoch ${epoch}`);
  return epochSum / Math.max(epochCount, 1);
}

/**
 * One optimiser step on one batch; returns the batch's mean loss as a GPU scalar (not read back). Compiled by
 * default (src/train/step.ts): after the first calls with a batch shape, the step is replayed. `compile: false`
 * runs it op by op. With a loss function, `data` and `batch` say where its target comes from (FitOptions.loss).
 */
export function trainStep(
  model: Module, optimizer: Optimizer, images: Float32Array, labels: Int32Array, shape: number[],
  options: { compile?: boolean; loss?: LossFn; data?: Dataset; batch?: Batch } = {},
): Tensor {
  const batch = options.batch ?? { images, labels, size: shape[0] };
  if (options.compile !== false) {
    if (!options.loss) {
      for (let i = 0; i < labels.length; i++) {
        if (!Number.isInteger(labels[i]) || labels[i] < 0) throw new Error(`webgpu-cnn trainStep: label ${labels[i]} at index ${i} is not a class index`);
      }
    }
    const target = targetValues(options.data, batch);
    return compiledTrainStep(model, optimizer, options.loss)({ data: images, shape }, target);
  }
  const loss = options.loss;
  return lossAndUpdate(model, optimizer, () => tensor(images, shape), loss ? () => {
    const t = targetValues(options.data, batch);
    return tensor(t.data, t.shape);
  } : labels, loss);
}

/** The batch's float targets, or its labels as float class indices, shaped per the dataset. */
function targetValues(data: Dataset | undefined, batch: Batch): { data: Float32Array; shape: number[] } {
  if (batch.targets) return { data: batch.targets, shape: [batch.size, ...(data?.targetShape ?? [])] };
  return { data: Float32Array.from(batch.labels), shape: [batch.size, ...(data?.labelShape ?? [])] };
}
