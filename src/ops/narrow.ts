import { expectTensor, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { formatShape, normaliseAxis } from '../shape';
import { fillKernel } from '../kernels/elementwise';
import { narrowKernel, placeKernel } from '../kernels/slice';

/**
 * torch.narrow: x[.., start : start + length, ..] along `axis`, as a new tensor (a copy, not a view).
 * x: [.., d, ..] -> [.., length, ..]. d/dx = zeros with dy written into the same slice.
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  expectTensor('narrow', 'x', x);
  const a = normaliseAxis('narrow', axis, x.shape.length);
  const d = x.shape[a];
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > d) {
    throw new Error(`webgpu-cnn narrow: start ${start} and length ${length} must lie within axis ${a} of ${formatShape(x.shape)} (size ${d})`);
  }
  const out = narrowKernel(x, a, start, length);
  return record('narrow', out, [x], (dy) => [() => {
    const dx = fillKernel(x.shape, 0);
    placeKernel(dy, dx, a, start);
    return dx;
  }]);
}

/**
 * torch.split: consecutive pieces along `axis`, each `sizes` long (the last one may be shorter), or of the
 * given lengths, which must add up to the axis. Each piece is a narrow, so gradients flow back through each.
 */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  expectTensor('split', 'x', x);
  const a = normaliseAxis('split', axis, x.shape.length);
  const d = x.shape[a];
  let lengths: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1) throw new Error(`webgpu-cnn split: the piece size ${sizes} must be a positive integer`);
    lengths = Array.from({ length: Math.max(1, Math.ceil(d / sizes)) }, (_, i) => Math.min(sizes, d - i * sizes));
  } else {
    lengths = [...sizes];
    if (lengths.reduce((s, v) => s + v, 0) !== d || lengths.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new Error(`webgpu-cnn split: lengths ${JSON.stringify(sizes)} must be non-negative integers adding up to axis ${a} of ${formatShape(x.shape)} (${d})`);
    }
  }
  let start = 0;
  return lengths.map((len) => {
    const piece = narrow(x, a, start, len);
    start += len;
    return piece;
  });
}
