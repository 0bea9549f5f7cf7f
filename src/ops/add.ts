import type { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { binaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/**
 * a + b with NumPy broadcasting: a: [..], b: [..] -> broadcast shape.
 * d/da = dy and d/db = dy, each summed over the axes along which that operand was broadcast.
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('add', a, b, 'ADD');
  return record('add', out, [a, b], (dy) => [() => reduceTo(dy, a.shape), () => reduceTo(dy, b.shape)]);
}
