import { expectTensor, type Tensor } from '../tensor';
import { fillKernel } from '../kernels/elementwise';
import { formatShape } from '../shape';
import { batchNorm2d } from './batchnorm2d';
import { reshape } from './reshape';
import { mul } from './mul';
import { add } from './add';

/**
 * torch.nn.functional.layer_norm: normalises over the last dimensions (normalizedShape) with the biased
 * variance, then scales and shifts elementwise by weight and bias (of normalizedShape):
 *   y = (x - mean) / sqrt(var + eps) * weight + bias.
 * Gradients come from the parts it is made of (normalizeRows, mul, add).
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, options: { eps?: number } = {}): Tensor {
  expectTensor('layerNorm', 'x', x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.shape.length - shape.length);
  if (shape.length === 0 || shape.length > x.shape.length || tail.join() !== shape.join()) {
    throw new Error(`webgpu-cnn layerNorm: normalizedShape ${formatShape(shape)} must be the last dimensions of x ${formatShape(x.shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.shape.join() !== shape.join()) throw new Error(`webgpu-cnn layerNorm: ${name} must be ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
  const d = shape.reduce((a, b) => a * b, 1);
  return normalizeRows('layerNorm', x, x.size / d, d, weight ?? null, bias ?? null, shape, options.eps ?? 1e-5);
}

/**
 * @internal x seen as `rows` rows of `len` contiguous values, each normalised to mean 0 and variance 1, then
 * times weight plus bias (viewed as `affineShape`, which broadcasts against x). A row is a channel of batch
 * norm over a [1, rows, len, 1] view, so batch norm's fused statistics, normalisation and backward kernels do
 * the work; their running statistics are scratch (momentum 0) and gamma and beta are constants.
 *   xhat = (x - mean_row) / sqrt(var_row + eps)
 *   d/dx = invstd / len * (len * g - sum(g) - xhat * sum(g * xhat)),   g = dL/dxhat   (batchNorm2d's rule)
 */
export function normalizeRows(op: string, x: Tensor, rows: number, len: number, weight: Tensor | null, bias: Tensor | null, affineShape: number[], eps: number): Tensor {
  if (len < 2) throw new Error(`webgpu-cnn ${op}: each group must hold more than one value, x is ${formatShape(x.shape)}`);
  const made: Tensor[] = [];
  const keep = (t: Tensor) => (made.push(t), t);
  const rowsView = keep(reshape(x, [1, rows, len, 1]));
  const [one, zero, scratchMean, scratchVar] = [1, 0, 0, 1].map((v) => keep(fillKernel([rows], v)));
  const normalized = keep(batchNorm2d(rowsView, one, zero, scratchMean, scratchVar, { training: true, momentum: 0, eps }));
  let y = reshape(normalized, x.shape);
  if (weight) {
    keep(y);
    y = mul(y, keep(reshape(weight, affineShape)));
  }
  if (bias) {
    keep(y);
    y = add(y, keep(reshape(bias, affineShape)));
  }
  made.forEach((t) => t.dispose());
  return y;
}
