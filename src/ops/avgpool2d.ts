import { empty, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { launchPool, poolBackward, poolGeometry, poolOutputShape, type Pool2dOptions } from '../kernels/pool';

/**
 * 2-D average pooling, like torch.nn.functional.avg_pool2d with its defaults. x: [N,C,H,W] -> [N,C,P,Q] with
 * P = floor((H + 2*padH - kernelH) / strideH) + 1 (Q likewise); stride defaults to kernelSize, padding to 0
 * (at most half the kernel). Padding counts as zeros in the average (count_include_pad=True), so every
 * window divides by kernelH*kernelW.
 *
 * y[o] = (1 / (kH*kW)) * sum over window(o) of x, so dx[i] = (1 / (kH*kW)) * sum of dy[o] over the windows o
 * that contain i. Nothing is saved: the backward needs only the shapes.
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x, options);
  const out = empty(poolOutputShape(g));
  launchPool('avg_forward', g, out.size, { x, out });
  return record('avgPool2d', out, [x], (dy) => [() => poolBackward('avg_backward', g, dy)]);
}
