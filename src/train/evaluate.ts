import { describeValue, tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { crossEntropy } from '../ops/crossentropy';
import { scope } from '../tensor';
import { Module } from '../nn/module';
import { batches, checkDataset, type Dataset } from '../data/dataset';
import { nonFinite } from './numbers';

/** What `evaluate` measured on a dataset. */
export interface Evaluation {
  /** mean cross-entropy over the samples */
  loss: number;
  /** share of samples whose predicted class is the label, in [0, 1] */
  accuracy: number;
  /** the predicted class of every sample, in the data's order */
  predictions: Int32Array;
}

/** Mean cross-entropy and accuracy of `model` (in eval mode, no autograd) over `data`. */
export async function evaluate(model: Module, data: Dataset, options: { batchSize?: number } = {}): Promise<Evaluation> {
  if (!(model instanceof Module)) throw new TypeError(`webgpu-cnn evaluate: model must be a Module, got ${describeValue(model)}`);
  checkDataset('evaluate', data);
  const batchSize = options.batchSize ?? 250;
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(data.length);
  let lossSum = 0;
  let correct = 0;
  let offset = 0;
  try {
    for (const batch of batches(data, batchSize)) {
      const [logits, loss] = noGrad(() =>
        scope(() => {
          const out = model.forward(tensor(batch.images, [batch.size, ...data.shape]));
          return [out, crossEntropy(out, batch.labels)];
        }),
      );
      let values: Float32Array;
      let batchLoss: number;
      try {
        values = await logits.data();
        batchLoss = (await loss.data())[0];
      } finally {
        logits.dispose();
        loss.dispose();
      }
      // An accuracy from NaN logits would be meaningless (every NaN compares false, so class 0 would "win").
      if (!Number.isFinite(batchLoss)) throw nonFinite('evaluate', batchLoss, `the loss of the batch starting at sample ${offset}`);
      lossSum += batchLoss * batch.size;
      const k = values.length / batch.size;
      for (let i = 0; i < batch.size; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (values[i * k + c] > values[i * k + best]) best = c;
        predictions[offset + i] = best;
        if (best === batch.labels[i]) correct++;
      }
      offset += batch.size;
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / data.length, accuracy: correct / data.length, predictions };
}
