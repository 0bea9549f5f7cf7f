import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { normaliseAxis, sizeOf } from '../shape';
import { softmaxKernel, softmaxGradKernel } from '../kernels/softmax';

/**
 * Softmax along `axis` (default the last): y = exp(x - max) / sum(exp(x - max)), numerically stable.
 * x: any shape -> same shape. d/dx = y * (dy - sum_axis(dy * y)).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong('softmax', x, axis, false);
}

/** @internal softmax or its log along an axis, with the matching backward rule (log: dx = dy - y' sum(dy)). */
export function softmaxAlong(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  expectTensor(op, 'x', x);
  const a = normaliseAxis(op, axis, x.shape.length);
  const len = x.shape[a];
  const view = { rows: x.size / Math.max(len, 1), axis: len, inner: sizeOf(x.shape.slice(a + 1)) };
  const out = softmaxKernel(x, view, log);
  if (!needsGrad(x)) return output(op, out);
  const y = save(out);
  return record(op, out, [x], (dy) => [() => softmaxGradKernel(y, dy, view, log)], [y]);
}
