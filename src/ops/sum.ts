import { expectTensor, type Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { normaliseAxis } from '../shape';
import { broadcastKernel } from '../kernels/elementwise';
import { sumKernel } from '../kernels/reduce';
import { reshape } from './reshape';

/**
 * Sum over `axes` (every axis when omitted). x: [d0..dn] -> x's shape without the reduced axes, or with them
 * as 1 when `keepDims`. d/dx = dy broadcast back over the reduced axes.
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return sumAxes(x, axisList('sum', x, axes), keepDims);
}

/** @internal sum times `scale` (mean passes 1/count), with its backward rule. */
export function sumAxes(x: Tensor, axes: readonly number[], keepDims: boolean, scale = 1, op = 'sum'): Tensor {
  const reduced = new Set(axes);
  const keptShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const out = sumKernel(x, axes, keepDims, scale);
  return record(op, out, [x], (dy) => [() => broadcastKernel(reshape(dy, keptShape), x.shape, scale)]);
}

export function axisList(op: string, x: Tensor, axes?: number | readonly number[]): number[] {
  expectTensor(op, 'x', x);
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normaliseAxis(op, a, x.shape.length));
  if (new Set(list).size !== list.length) throw new Error(`webgpu-cnn ${op}: axes ${JSON.stringify(axes)} repeat an axis`);
  return list;
}
