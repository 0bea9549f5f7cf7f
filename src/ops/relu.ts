import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** max(x, 0). d/dx = dy where x > 0, else 0 (0 at x = 0, like PyTorch). */
export function relu(x: Tensor): Tensor {
  expectTensor('relu', 'x', x);
  const out = unaryKernel(x, 'RELU');
  if (!needsGrad(x)) return output('relu', out);
  const sx = save(x);
  return record('relu', out, [x], (dy) => [() => binaryKernel('relu', sx, dy, 'RELU_GRAD')], [sx]);
}
