import { expectTensor, type Tensor } from '../tensor';
import { output } from '../autograd/tape';
import { formatShape, normaliseAxis, sizeOf } from '../shape';
import { argmaxKernel } from '../kernels/softmax';

/**
 * torch.argmax along `axis`: the first index of the largest value, as a float32 tensor of x's shape without
 * that axis ([N, K, H, W] logits along 1 give the [N, H, W] predicted mask). Not differentiable: the result
 * never requires grad.
 */
export function argmax(x: Tensor, axis: number): Tensor {
  expectTensor('argmax', 'x', x);
  const a = normaliseAxis('argmax', axis, x.shape.length);
  const len = x.shape[a];
  if (len === 0) throw new Error(`webgpu-cnn argmax: axis ${a} of ${formatShape(x.shape)} is empty`);
  const view = { rows: x.size / len, axis: len, inner: sizeOf(x.shape.slice(a + 1)) };
  return output('argmax', argmaxKernel(x, view, x.shape.filter((_, i) => i !== a)));
}
