import { describeValue, expectTensor, tensor, view, Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape, sizeOf } from '../shape';
import { crossEntropyKernel, crossEntropyGradKernel, crossEntropyMeanKernel } from '../kernels/softmax';
import { sumKernel } from '../kernels/reduce';

export interface CrossEntropyOptions {
  /** the target puts 1 - labelSmoothing on the label and labelSmoothing / K on every class (default 0) */
  labelSmoothing?: number;
  /** samples (pixels) with this label count neither in the loss nor in the mean (default -100, as PyTorch) */
  ignoreIndex?: number;
  /** 'mean' over the samples not ignored (default), 'sum', or 'none': one loss per sample, labels' shape */
  reduction?: 'mean' | 'sum' | 'none';
  /** a weight per class, [K] (PyTorch's `weight`): the mean is then weighted by the labels' weights */
  weight?: Float32Array | readonly number[] | null;
}

/**
 * Softmax cross-entropy of logits and integer class labels, like torch.nn.functional.cross_entropy, fused
 * into one kernel. logits: [N, K] with labels [N], or [N, K, d1, ...] with labels [N, d1, ...] (a class per
 * pixel: segmentation); labels: Int32Array | number[] | Tensor of class indices.
 *   loss_n = -sum_k t_k log softmax(x_n)_k,  t = (1 - s) onehot(label_n) + s / K;   d loss_n / dx_n = softmax(x_n) - t
 * 'mean' divides the sum by the number of samples whose label is not ignoreIndex (ignored ones add 0). With
 * class weights w, as PyTorch: loss_n = -(1 - s) w_y log p_y - (s / K) sum_k w_k log p_k, and 'mean' divides by
 * the sum of w_y over the samples counted.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[] | Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { labelSmoothing = 0, ignoreIndex = -100, reduction = 'mean' } = options;
  expectTensor('crossEntropy', 'logits', logits);
  const fail = (why: string) => new Error(`webgpu-cnn crossEntropy: ${why}`);
  if (logits.shape.length < 2) throw fail(`logits must be [N, K], got ${formatShape(logits.shape)} (or [N, K, d1, ...] with labels [N, d1, ...])`);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw fail(`labelSmoothing ${labelSmoothing} must be in [0, 1]`);
  if (!['mean', 'sum', 'none'].includes(reduction)) throw fail(`reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  const [N, K, ...spatial] = logits.shape;
  const labelShape = [N, ...spatial];
  const rows = sizeOf(labelShape);
  const labelTensor = labelsOnGpu(labels, labelShape, K, ignoreIndex, logits.shape);
  // The kernels read [N, K, S] in place: a row is the K logits of one pixel, strided by S.
  const v = { rows, axis: K, inner: rows / N };
  const weights = options.weight ?? null;
  if (weights && (weights.length !== K || Array.from(weights).some((w) => !(w >= 0)))) {
    throw fail(`weight must hold ${K} non-negative numbers, one per class, got ${weights.length}`);
  }
  const weight = weights ? tensor(Float32Array.from(weights), [K]) : null;
  const weightSum = weights ? Array.from(weights).reduce((a, b) => a + b, 0) : K;
  const o = { smoothing: labelSmoothing, ignoreIndex, weight, weightSum };
  const { losses, probs, valid } = crossEntropyKernel(logits, labelTensor, v, o);
  let out: Tensor;
  let count: Tensor | null = null;
  if (reduction === 'none') {
    out = view(losses, labelShape);
  } else if (reduction === 'sum') {
    out = sumKernel(losses, [0], false);
  } else {
    ({ mean: out, count } = crossEntropyMeanKernel(losses, valid));
  }
  losses.dispose();
  valid.dispose();
  const ownLabels = labelTensor !== labels;
  if (!needsGrad(logits)) {
    [probs, count, weight, ownLabels ? labelTensor : null].forEach((t) => t?.dispose());
    return output('crossEntropy', out);
  }
  // The caller's label tensor may be disposed before backward: keep a reference of our own.
  const keptLabels = ownLabels ? labelTensor : save(labelTensor);
  const saved = [probs, keptLabels, ...(count ? [count] : []), ...(weight ? [weight] : [])];
  // mean: the gradient divides by the count of the samples (on the GPU: it is not known on the CPU)
  return record('crossEntropy', out, [logits], (dy) => [
    () => crossEntropyGradKernel(probs, keptLabels, dy, v, { ...o, perRow: reduction === 'none', count }),
  ], saved);
}

function labelsOnGpu(labels: Int32Array | readonly number[] | Tensor, shape: number[], K: number, ignoreIndex: number, logits: readonly number[]): Tensor {
  const n = sizeOf(shape);
  const expected = `labels must be ${formatShape(shape)} to match logits ${formatShape(logits)}`;
  if (labels instanceof Tensor) {
    expectTensor('crossEntropy', 'labels', labels);
    // Their values live on the GPU: the kernel checks them, giving a NaN loss (and NaN gradients) for a label
    // that is not a class index, which fit and evaluate report; reading them here would stall every step.
    if (labels.size !== n || (labels.shape.length !== shape.length && labels.shape.length !== 1)) {
      throw new Error(`webgpu-cnn crossEntropy: ${expected}, got ${formatShape(labels.shape)}`);
    }
    return labels;
  }
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) {
    throw new TypeError(`webgpu-cnn crossEntropy: labels must be an Int32Array, a list of class indices or a Tensor, got ${describeValue(labels)}`);
  }
  if (labels.length !== n) throw new Error(`webgpu-cnn crossEntropy: ${labels.length} labels for logits ${formatShape(logits)}; expected ${n}, one per entry of ${formatShape(shape)}`);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== ignoreIndex && (!Number.isInteger(l) || l < 0 || l >= K)) {
      throw new Error(`webgpu-cnn crossEntropy: label ${l} at index ${i} is not a class index in [0, ${K})${ignoreIndex >= 0 || ignoreIndex === -100 ? ` or the ignoreIndex ${ignoreIndex}` : ''}`);
    }
  }
  return tensor(Float32Array.from(labels), [n]);
}
