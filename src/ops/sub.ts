import type { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/** a - b with NumPy broadcasting. d/da = dy, d/db = -dy (each reduced to its operand's shape). */
export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('sub', a, b, 'SUB');
  return record('sub', out, [a, b], (dy) => [
    () => reduceTo(dy, a.shape),
    () => unaryKernel(reduceTo(dy, b.shape), 'NEG'),
  ]);
}
