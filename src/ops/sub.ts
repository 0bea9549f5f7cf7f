import type { Tensor } from '../tensor';
import { operands } from './operands';
import { record } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/** a - b with NumPy broadcasting. d/da = dy, d/db = -dy (each reduced to its operand's shape). */
export function sub(x: Tensor | number, y: Tensor | number): Tensor {
  const { a, b, done } = operands('sub', x, y);
  const [sa, sb] = [a.shape, b.shape];
  try {
    const out = binaryKernel('sub', a, b, 'SUB');
    return record('sub', out, [a, b], (dy) => [
      () => reduceTo(dy, sa),
      () => unaryKernel(reduceTo(dy, sb), 'NEG'),
    ]);
  } finally {
    done();
  }
}
