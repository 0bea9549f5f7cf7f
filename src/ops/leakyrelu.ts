import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { binaryKernel, unaryKernel } from '../kernels/elementwise';

/** x where x > 0, else negativeSlope * x (torch's leaky_relu, default 0.01). d/dx = 1 or negativeSlope. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  expectTensor('leakyRelu', 'x', x);
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new Error(`webgpu-cnn leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  const out = unaryKernel(x, 'LEAKY_RELU', negativeSlope);
  if (!needsGrad(x)) return output('leakyRelu', out);
  const sx = save(x);
  return record('leakyRelu', out, [x], (dy) => [() => binaryKernel('leakyRelu', sx, dy, 'LEAKY_RELU_GRAD', negativeSlope)], [sx]);
}
