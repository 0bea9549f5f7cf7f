import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { groupNormRef, layerNormRef } from '../reference/norm';
import { batchNormRef } from '../reference/batchnorm';

beforeAll(setup);

// Tolerances: the gradient of a normalisation sums many float32 terms that nearly cancel.
const tol = { rtol: 1e-4, atol: 1e-5, gradTol: { rtol: 2e-3, atol: 2e-4 } };

it.each([
  { x: [3, 7], shape: [7], affine: true },
  { x: [2, 3, 5], shape: [5], affine: false },
  { x: [2, 3, 4, 5], shape: [4, 5], affine: true },
])('layerNorm $x over $shape, affine $affine', async ({ x, shape, affine }) => {
  const d = shape.reduce((a, b) => a * b, 1);
  await checkOp({
    shapes: affine ? [x, shape, shape] : [x],
    ours: (tx, tw, tb) => wc.layerNorm(tx, shape, tw, tb),
    ref: (rx, rw, rb) => layerNormRef(rx, d, rw ?? null, rb ?? null),
    ...tol,
  });
});

it.each([
  { x: [2, 6, 5, 3], groups: 3, affine: true },
  { x: [3, 4, 3, 3], groups: 1, affine: true },
  { x: [2, 4, 7], groups: 4, affine: false },
])('groupNorm $x in $groups groups, affine $affine', async ({ x, groups, affine }) => {
  await checkOp({
    shapes: affine ? [x, [x[1]], [x[1]]] : [x],
    ours: (tx, tw, tb) => wc.groupNorm(tx, groups, tw, tb),
    ref: (rx, rw, rb) => groupNormRef(rx, groups, rw ?? null, rb ?? null),
    ...tol,
  });
});

it('modules: PyTorch keys, and BatchNorm2d with affine: false has no weight or bias', async () => {
  expect(Object.keys(new wc.nn.GroupNorm(2, 6).stateDict())).toEqual(['weight', 'bias']);
  expect(Object.keys(new wc.nn.LayerNorm([4, 5]).stateDict())).toEqual(['weight', 'bias']);
  const bn = new wc.nn.BatchNorm2d(3, { affine: false });
  expect(Object.keys(bn.stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  expect(bn.parameters()).toEqual([]);
  await checkOp({
    shapes: [[2, 3, 4, 3]],
    ours: (x) => bn.forward(x),
    ref: (x) => {
      const c = (v: number) => ({ data: new Float64Array(3).fill(v), shape: [3] });
      return batchNormRef(x, c(1), c(0), c(0), c(1), { training: true }).y;
    },
    ...tol,
  });
  expect(() => wc.groupNorm(wc.zeros([1, 6, 2, 2]), 4)).toThrow(/groupNorm: numGroups 4 must divide the 6 channels/);
  expect(() => wc.layerNorm(wc.zeros([2, 3]), [2])).toThrow(/layerNorm: normalizedShape \[2\] must be the last dimensions of x \[2, 3\]/);
});
