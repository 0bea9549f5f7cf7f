import type { Tensor } from '../tensor';
import { operands } from './operands';
import { record } from '../autograd/tape';
import { binaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/**
 * a + b with NumPy broadcasting: a: [..], b: [..] -> broadcast shape.
 * d/da = dy and d/db = dy, each summed over the axes along which that operand was broadcast.
 */
export function add(x: Tensor | number, y: Tensor | number): Tensor {
  const { a, b, done } = operands('add', x, y);
  const [sa, sb] = [a.shape, b.shape];
  try {
    const out = binaryKernel('add', a, b, 'ADD');
    return record('add', out, [a, b], (dy) => [() => reduceTo(dy, sa), () => reduceTo(dy, sb)]);
  } finally {
    done();
  }
}
