import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** y = 1 / (1 + e^-x). d/dx = dy * y * (1 - y), from the saved output. */
export function sigmoid(x: Tensor): Tensor {
  const out = unaryKernel(x, 'SIGMOID');
  if (!needsGrad(x)) return out;
  const y = save(out);
  return record('sigmoid', out, [x], (dy) => [() => binaryKernel('sigmoid', y, dy, 'SIGMOID_GRAD')], [y]);
}
