import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** y = tanh(x). d/dx = dy * (1 - y^2), from the saved output. */
export function tanh(x: Tensor): Tensor {
  const out = unaryKernel(x, 'TANH');
  if (!needsGrad(x)) return out;
  const y = save(out);
  return record('tanh', out, [x], (dy) => [() => binaryKernel('tanh', y, dy, 'TANH_GRAD')], [y]);
}
