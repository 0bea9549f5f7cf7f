import { expectTensor, view, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { formatShape, sizeOf } from '../shape';

/**
 * The same elements under another shape (row-major, no copy); one dimension may be -1 to be inferred.
 * d/dx = dy reshaped back to x's shape.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('reshape', 'x', x);
  const target = resolveShape(x, shape);
  const out = view(x, target);
  return record('reshape', out, [x], (dy) => [() => reshape(dy, x.shape)]);
}

/** [n, ...] -> [n, product of the rest]; keeps dimension 0 like torch.nn.Flatten. */
export function flatten(x: Tensor): Tensor {
  expectTensor('flatten', 'x', x);
  if (x.shape.length < 1) throw new Error(`webgpu-cnn flatten: needs at least one dimension, got ${formatShape(x.shape)}`);
  return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
}

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const bad = () =>
    new Error(`webgpu-cnn reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  const free = shape.filter((d) => d === -1).length;
  if (free > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) throw bad();
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (free === 0) {
    if (known !== x.size) throw bad();
    return [...shape];
  }
  if (known === 0 || x.size % known !== 0) throw bad();
  return shape.map((d) => (d === -1 ? x.size / known : d));
}
