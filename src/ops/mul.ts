import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { binaryKernel } from '../kernels/elementwise';
import { reduceTo } from './reduce-to';

/** a * b elementwise with NumPy broadcasting. d/da = dy * b, d/db = dy * a (reduced to each shape). */
export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('mul', a, b, 'MUL');
  if (!needsGrad(a, b)) return out;
  const sa = save(a);
  const sb = save(b);
  return record('mul', out, [a, b], (dy) => [
    () => reduceTo(binaryKernel('mul', dy, sb, 'MUL'), a.shape),
    () => reduceTo(binaryKernel('mul', dy, sa, 'MUL'), b.shape),
  ], [sa, sb]);
}
