import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/**
 * x * relu6(x + 3) / 6, MobileNetV3's cheap swish. d/dx = 0 for x < -3, x / 3 + 1/2 for -3 <= x <= 3, 1 above
 * (PyTorch's choice at the kinks).
 */
export function hardswish(x: Tensor): Tensor {
  expectTensor('hardswish', 'x', x);
  const out = unaryKernel(x, 'HARDSWISH');
  if (!needsGrad(x)) return output('hardswish', out);
  const sx = save(x);
  return record('hardswish', out, [x], (dy) => [() => binaryKernel('hardswish', sx, dy, 'HARDSWISH_GRAD')], [sx]);
}
