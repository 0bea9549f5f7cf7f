import { expectTensor, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { formatShape, MAX_RANK } from '../shape';
import { permuteKernel } from '../kernels/elementwise';

/**
 * Reorders axes like numpy.transpose: out axis d is x axis perm[d] (default: all axes reversed).
 * x: [d0, d1, ...] -> [d_perm0, d_perm1, ...]. d/dx = dy transposed by the inverse permutation.
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  expectTensor('transpose', 'x', x);
  const rank = x.shape.length;
  if (rank > MAX_RANK) throw new Error(`webgpu-cnn transpose: x ${formatShape(x.shape)} has rank ${rank}; at most ${MAX_RANK} is supported`);
  const p = perm ?? x.shape.map((_, i) => rank - 1 - i);
  const valid = Array.isArray(p) && p.length === rank && [...p].sort((a, b) => a - b).every((a, i) => a === i);
  if (!valid) throw new Error(`webgpu-cnn transpose: ${JSON.stringify(perm)} is not a permutation of the axes of ${formatShape(x.shape)}`);
  const out = permuteKernel(x, p);
  const inverse = p.map((_, i) => p.indexOf(i));
  return record('transpose', out, [x], (dy) => [() => permuteKernel(dy, inverse)]);
}
