import type { Tensor } from '../tensor';
import { axisList, sumAxes } from './sum';

/** Mean over `axes` (every axis when omitted). d/dx = dy / count, broadcast back over the reduced axes. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = axisList('mean', x, axes);
  const count = list.reduce((n, a) => n * x.shape[a], 1);
  return sumAxes(x, list, keepDims, count === 0 ? NaN : 1 / count, 'mean');
}
