import type { Tensor } from '../tensor';
import { operands } from './operands';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/**
 * a / b elementwise with NumPy broadcasting.
 * d/da = dy / b;  d/db = -dy * a / b^2 = -(dy / b) * out.
 */
export function div(x: Tensor | number, y: Tensor | number): Tensor {
  const { a, b, done } = operands('div', x, y);
  const [shapeA, shapeB] = [a.shape, b.shape];
  try {
    const out = binaryKernel('div', a, b, 'DIV');
    if (!needsGrad(a, b)) return output('div', out);
    const sb = save(b);
    const sout = save(out);
    return record('div', out, [a, b], (dy) => {
      const dyOverB = binaryKernel('div', dy, sb, 'DIV');
      return [
        () => reduceTo(dyOverB, shapeA),
        () => unaryKernel(reduceTo(binaryKernel('div', dyOverB, sout, 'MUL'), shapeB), 'NEG'),
      ];
    }, [sb, sout]);
  } finally {
    done();
  }
}
