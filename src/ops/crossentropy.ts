import { describeValue, expectTensor, tensor, Tensor } from '../tensor';
import { record, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import { crossEntropyKernel, crossEntropyGradKernel } from '../kernels/softmax';
import { sumAxes } from './sum';

/**
 * Softmax cross-entropy of logits and integer class labels, averaged over the batch, fused into one kernel.
 * logits: [N, K], labels: Int32Array | number[] | Tensor [N] (class indices) -> [] (a scalar).
 * loss = mean_n (log sum_k exp(x[n, k]) - x[n, label[n]]);  d/dx[n, k] = (softmax[n, k] - [k = label[n]]) / N.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[] | Tensor): Tensor {
  expectTensor('crossEntropy', 'logits', logits);
  if (logits.shape.length !== 2) {
    throw new Error(`webgpu-cnn crossEntropy: logits must be [N, K], got ${formatShape(logits.shape)}`);
  }
  const [N, K] = logits.shape;
  const labelTensor = labelsOnGpu(labels, N, K);
  const { losses, probs } = crossEntropyKernel(logits, labelTensor);
  const out = sumAxes(losses, [0], false, 1 / N, 'crossEntropy');
  losses.dispose();
  const ownLabels = labelTensor !== labels;
  if (!needsGrad(logits)) {
    probs.dispose();
    if (ownLabels) labelTensor.dispose();
    return output('crossEntropy', out);
  }
  // `out` came from sumAxes, which recorded nothing (losses does not require grad); this op records itself.
  return record('crossEntropy', out, [logits], (dy) => [() => crossEntropyGradKernel(probs, labelTensor, dy)], ownLabels ? [probs, labelTensor] : [probs]);
}

function labelsOnGpu(labels: Int32Array | readonly number[] | Tensor, N: number, K: number): Tensor {
  if (labels instanceof Tensor) {
    expectTensor('crossEntropy', 'labels', labels);
    // Their values live on the GPU: the kernel checks them, giving a NaN loss (and NaN gradients) for a label
    // that is not a class index, which fit and evaluate report; reading them here would stall every step.
    if (labels.size !== N || labels.shape.length !== 1) {
      throw new Error(`webgpu-cnn crossEntropy: labels must be [${N}] to match logits [${N}, ${K}], got ${formatShape(labels.shape)}`);
    }
    return labels;
  }
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) {
    throw new TypeError(`webgpu-cnn crossEntropy: labels must be an Int32Array, a list of class indices or a Tensor, got ${describeValue(labels)}`);
  }
  if (labels.length !== N) {
    throw new Error(`webgpu-cnn crossEntropy: ${labels.length} labels for logits [${N}, ${K}]; expected ${N}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= K) {
      throw new Error(`webgpu-cnn crossEntropy: label ${l} at index ${i} is not a class index in [0, ${K})`);
    }
  }
  return tensor(Float32Array.from(labels), [N]);
}
