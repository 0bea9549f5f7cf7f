import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** x * sigmoid(x) (swish). With s = sigmoid(x): d/dx = s (1 + x (1 - s)). */
export function silu(x: Tensor): Tensor {
  expectTensor('silu', 'x', x);
  const out = unaryKernel(x, 'SILU');
  if (!needsGrad(x)) return output('silu', out);
  const sx = save(x);
  return record('silu', out, [x], (dy) => [() => binaryKernel('silu', sx, dy, 'SILU_GRAD')], [sx]);
}
