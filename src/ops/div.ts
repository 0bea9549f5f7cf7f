import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/**
 * a / b elementwise with NumPy broadcasting.
 * d/da = dy / b;  d/db = -dy * a / b^2 = -(dy / b) * out.
 */
export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('div', a, b, 'DIV');
  if (!needsGrad(a, b)) return out;
  const sb = save(b);
  const sout = save(out);
  return record('div', out, [a, b], (dy) => {
    const dyOverB = binaryKernel('div', dy, sb, 'DIV');
    return [
      () => reduceTo(dyOverB, a.shape),
      () => unaryKernel(reduceTo(binaryKernel('div', dyOverB, sout, 'MUL'), b.shape), 'NEG'),
    ];
  }, [sb, sout]);
}
