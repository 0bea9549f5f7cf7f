import { empty, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { launchPool, poolBackward, poolGeometry, poolOutputShape, type Pool2dOptions } from '../kernels/pool';

export interface AvgPool2dOptions extends Pool2dOptions {
  /** padding counts as zeros in the average (PyTorch's count_include_pad, default true) */
  countIncludePad?: boolean;
}

/**
 * 2-D average pooling, like torch.nn.functional.avg_pool2d. x: [N,C,H,W] -> [N,C,P,Q] with
 * P = floor((H + 2*padH - kernelH) / strideH) + 1 (ceil with ceilMode; Q likewise); stride defaults to
 * kernelSize, padding to 0 (at most half the kernel). With countIncludePad (the default) a window divides by
 * its size within the padded image (kernelH*kernelW except for a ceil-mode window over the edge); without,
 * by the number of image pixels in it.
 *
 * y[o] = (1 / d(o)) * sum over window(o) of x, so dx[i] = sum of dy[o] / d(o) over the windows o that contain
 * i. Nothing is saved: the backward needs only the shapes.
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x, options);
  const out = empty(poolOutputShape(g));
  launchPool('avg_forward', g, out.size, { x, out });
  return record('avgPool2d', out, [x], (dy) => [() => poolBackward('avg_backward', g, dy)]);
}
