import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** x * sigmoid(x) (swish). With s = sigmoid(x): d/dx = s (1 + x (1 - s)). */
export function silu(x: Tensor): Tensor {
  const out = unaryKernel(x, 'SILU');
  if (!needsGrad(x)) return out;
  const sx = save(x);
  return record('silu', out, [x], (dy) => [() => binaryKernel('silu', sx, dy, 'SILU_GRAD')], [sx]);
}
