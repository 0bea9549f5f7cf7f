import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** y = 1 / (1 + e^-x). d/dx = dy * y * (1 - y), from the saved output. */
export function sigmoid(x: Tensor): Tensor {
  expectTensor('sigmoid', 'x', x);
  const out = unaryKernel(x, 'SIGMOID');
  if (!needsGrad(x)) return output('sigmoid', out);
  const y = save(out);
  return record('sigmoid', out, [x], (dy) => [() => binaryKernel('sigmoid', y, dy, 'SIGMOID_GRAD')], [y]);
}
