import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** log(1 + e^x), computed as max(x, 0) + log(1 + e^-|x|) so it never overflows. d/dx = sigmoid(x). */
export function softplus(x: Tensor): Tensor {
  expectTensor('softplus', 'x', x);
  const out = unaryKernel(x, 'SOFTPLUS');
  if (!needsGrad(x)) return output('softplus', out);
  const sx = save(x);
  return record('softplus', out, [x], (dy) => [() => binaryKernel('softplus', sx, dy, 'SOFTPLUS_GRAD')], [sx]);
}
