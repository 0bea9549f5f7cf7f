import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { catRef, narrowRef } from '../reference/slice';

beforeAll(setup);

it.each([
  { shapes: [[2, 3, 5, 4], [2, 1, 5, 4], [2, 2, 5, 4]], axis: 1 },
  { shapes: [[3, 5], [2, 5]], axis: 0 },
  { shapes: [[2, 3, 7], [2, 3, 1]], axis: -1 },
])('cat $shapes along $axis', async ({ shapes, axis }) => {
  await checkOp({ shapes, ours: (...xs) => wc.cat(xs, axis), ref: (...xs) => catRef(xs, (axis + shapes[0].length) % shapes[0].length) });
});

it('stack adds an axis', async () => {
  await checkOp({
    shapes: [[3, 5], [3, 5], [3, 5]],
    ours: (...xs) => wc.stack(xs, 1),
    ref: (...xs) => {
      const r = catRef(xs.map((x) => ({ ...x, shape: [3, 1, 5] })), 1);
      return r;
    },
  });
});

it.each([
  { shape: [2, 7, 3], axis: 1, start: 2, length: 4 },
  { shape: [5, 3], axis: 0, start: 4, length: 1 },
  { shape: [2, 3, 5, 9], axis: 3, start: 0, length: 9 },
])('narrow $shape axis $axis from $start, $length', async ({ shape, axis, start, length }) => {
  await checkOp({ shapes: [shape], ours: (x) => wc.narrow(x, axis, start, length), ref: (x) => narrowRef(x, axis, start, length) });
});

it('split by a size and by lengths, each piece differentiable', async () => {
  await checkOp({
    shapes: [[2, 7, 3]],
    ours: (x) => wc.cat(wc.split(x, 3, 1).reverse(), 1),
    ref: (x) => catRef([narrowRef(x, 1, 6, 1), narrowRef(x, 1, 3, 3), narrowRef(x, 1, 0, 3)], 1),
  });
  const x = wc.zeros([5, 2]);
  expect(wc.split(x, [1, 4]).map((t) => t.shape)).toEqual([[1, 2], [4, 2]]);
  expect(() => wc.split(x, [1, 3])).toThrow(/split: lengths \[1,3\] must be non-negative integers adding up to axis 0 of \[5, 2\] \(5\)/);
  expect(() => wc.narrow(x, 0, 3, 3)).toThrow(/narrow: start 3 and length 3 must lie within axis 0 of \[5, 2\]/);
  expect(() => wc.cat([x, wc.zeros([5, 3])], 0)).toThrow(/cat: tensors \[5, 2\], \[5, 3\] must have the same shape except along axis 0/);
});
