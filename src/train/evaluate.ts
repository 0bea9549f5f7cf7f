import { describeValue, tensor, type Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { crossEntropy } from '../ops/crossentropy';
import { argmax } from '../ops/argmax';
import { scope } from '../tensor';
import { Module } from '../nn/module';
import { batches, checkDataset, type Dataset } from '../data/dataset';
import { nonFinite } from './numbers';

/** A loss: the model's output and the batch's target (see FitOptions.loss) to a scalar. */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;
/** A metric: one batch's value as a scalar tensor (averaged over samples, weighted by batch size). */
export type Metric = (output: Tensor, target: Tensor) => Tensor;

/** What `evaluate` measured on a dataset. */
export interface Evaluation {
  /** the mean loss over the samples (cross-entropy unless `options.loss` is given) */
  loss: number;
  /** the share of labels predicted right: per image, or per pixel for masks, in [0, 1] */
  accuracy: number;
  /** the predicted class (argmax over the output's axis 1) of every label, in the data's order */
  predictions: Int32Array;
  /** each metric's mean over the samples */
  metrics: Record<string, number>;
}

/**
 * Mean loss (cross-entropy unless `loss` is given), accuracy and `metrics` of `model` (in eval mode, no
 * autograd) over `data`. Only the loss, the metrics and the predicted classes are read back.
 */
export async function evaluate(
  model: Module, data: Dataset,
  options: { batchSize?: number; loss?: LossFn; metrics?: Record<string, Metric> } = {},
): Promise<Evaluation> {
  if (!(model instanceof Module)) throw new TypeError(`webgpu-cnn evaluate: model must be a Module, got ${describeValue(model)}`);
  checkDataset('evaluate', data);
  const batchSize = options.batchSize ?? 250;
  const metrics = Object.entries(options.metrics ?? {});
  const wasTraining = model.training;
  model.eval();
  const perLabel = (data.labelShape ?? []).reduce((a, b) => a * b, 1);
  const predictions = new Int32Array(data.length * perLabel);
  const sums = new Float64Array(metrics.length);
  let lossSum = 0;
  let correct = 0;
  let offset = 0;
  try {
    for (const batch of batches(data, batchSize)) {
      const [pred, loss, ...values] = noGrad(() =>
        scope(() => {
          const out = model.forward(tensor(batch.images, [batch.size, ...data.shape]));
          const target = () => {
            if (batch.targets) return tensor(batch.targets, [batch.size, ...(data.targetShape ?? [])]);
            return tensor(Float32Array.from(batch.labels), [batch.size, ...(data.labelShape ?? [])]);
          };
          const l = options.loss ? options.loss(out, target()) : crossEntropy(out, batch.labels);
          return [argmax(out, 1), l, ...metrics.map(([, m]) => m(out, target()))];
        }),
      );
      let classes: Float32Array;
      let batchLoss: number;
      try {
        classes = await pred.data();
        batchLoss = (await loss.data())[0];
        for (let i = 0; i < values.length; i++) sums[i] += (await values[i].data())[0] * batch.size;
      } finally {
        [pred, loss, ...values].forEach((t) => t.dispose());
      }
      // An accuracy from NaN logits would be meaningless: stop and say where.
      if (!Number.isFinite(batchLoss)) throw nonFinite('evaluate', batchLoss, `the loss of the batch starting at sample ${offset / perLabel}`);
      lossSum += batchLoss * batch.size;
      for (let i = 0; i < classes.length; i++) {
        predictions[offset + i] = classes[i];
        if (classes[i] === batch.labels[i]) correct++;
      }
      offset += classes.length;
    }
  } finally {
    model.train(wasTraining);
  }
  return {
    loss: lossSum / data.length,
    accuracy: correct / Math.max(1, predictions.length),
    predictions,
    metrics: Object.fromEntries(metrics.map(([name], i) => [name, sums[i] / data.length])),
  };
}
