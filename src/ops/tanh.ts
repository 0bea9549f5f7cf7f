import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** y = tanh(x). d/dx = dy * (1 - y^2), from the saved output. */
export function tanh(x: Tensor): Tensor {
  expectTensor('tanh', 'x', x);
  const out = unaryKernel(x, 'TANH');
  if (!needsGrad(x)) return output('tanh', out);
  const y = save(out);
  return record('tanh', out, [x], (dy) => [() => binaryKernel('tanh', y, dy, 'TANH_GRAD')], [y]);
}
