import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

export interface GeluOptions {
  /** 'none': x * Phi(x) with the exact normal CDF; 'tanh': PyTorch's tanh approximation */
  approximate?: 'none' | 'tanh';
}

/**
 * GELU, like torch.nn.functional.gelu. none: y = x Phi(x), dy/dx = Phi(x) + x phi(x);
 * tanh: y = x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3), dy/dx = (1 + t) / 2 + x (1 - t^2) u' / 2.
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  expectTensor('gelu', 'x', x);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`webgpu-cnn gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  const tanhForm = approximate === 'tanh';
  const out = unaryKernel(x, tanhForm ? 'GELU_TANH' : 'GELU');
  if (!needsGrad(x)) return output('gelu', out);
  const sx = save(x);
  return record('gelu', out, [x], (dy) => [() => binaryKernel('gelu', sx, dy, tanhForm ? 'GELU_TANH_GRAD' : 'GELU_GRAD')], [sx]);
}
