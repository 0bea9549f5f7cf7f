import type { Tensor } from '../tensor';
import { operands } from './operands';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/** a * b elementwise with NumPy broadcasting. d/da = dy * b, d/db = dy * a (reduced to each shape). */
export function mul(x: Tensor | number, y: Tensor | number): Tensor {
  const { a, b, done } = operands('mul', x, y);
  try {
    const out = binaryKernel('mul', a, b, 'MUL');
    if (!needsGrad(a, b)) return output('mul', out);
    const sa = save(a);
    const sb = save(b);
    return record('mul', out, [a, b], (dy) => [
      () => reduceTo(binaryKernel('mul', dy, sb, 'MUL'), sa.shape),
      () => reduceTo(binaryKernel('mul', dy, sa, 'MUL'), sb.shape),
    ], [sa, sb]);
  } finally {
    done();
  }
}
