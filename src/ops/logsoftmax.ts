import type { Tensor } from '../tensor';
import { softmaxAlong } from './softmax';

/**
 * log(softmax(x)) along `axis` (default the last), computed as x - max - log(sum(exp(x - max))).
 * x: any shape -> same shape. d/dx = dy - exp(out) * sum_axis(dy).
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxAlong('logSoftmax', x, axis, true);
}
