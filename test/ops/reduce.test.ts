import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { sumRef } from '../reference/reduce';
import { sizeOf } from '../reference/array';

beforeAll(setup);

// [shape, axes, keepDims]
const cases: Array<[number[], number[] | undefined, boolean]> = [
  [[1], undefined, false],
  [[7], undefined, false],
  [[1000], undefined, false],
  [[13, 5], [0], false],
  [[13, 5], [1], true],
  [[2, 3, 7, 5], [0, 2, 3], false],
  [[2, 3, 7, 5], [1, 3], true],
  [[2, 1, 7, 1], [1, 2], false],
  [[65, 3], [-1], false],
];

it.each(cases)('sum of %j over %j (keepDims %s)', async (shape, axes, keepDims) => {
  const all = axes ?? shape.map((_, i) => i);
  const norm = all.map((a) => (a < 0 ? a + shape.length : a));
  await checkOp({
    shapes: [shape],
    ours: (x) => wc.sum(x, axes, keepDims),
    ref: (x) => sumRef(x, norm, keepDims),
    rtol: 1e-5,
    atol: 1e-5,
  });
});

it.each(cases)('mean of %j over %j (keepDims %s)', async (shape, axes, keepDims) => {
  const all = axes ?? shape.map((_, i) => i);
  const norm = all.map((a) => (a < 0 ? a + shape.length : a));
  const count = sizeOf(norm.map((a) => shape[a]));
  await checkOp({
    shapes: [shape],
    ours: (x) => wc.mean(x, axes, keepDims),
    ref: (x) => sumRef(x, norm, keepDims, 1 / count),
    // Each gradient element is w / count: an absolute tolerance must shrink with it, or the mean of 1,000
    // values would pass a gradient that is 10% off.
    gradTol: { rtol: 1e-3, atol: 1e-4 / count },
  });
});

it('a large sum stays accurate', async () => {
  const n = 1 << 20;
  const x = wc.ones([n]);
  const s = wc.sum(x);
  expect((await s.data())[0]).toBe(n);
  x.dispose();
  s.dispose();
});

it('rejects axes out of range or repeated', () => {
  const x = wc.zeros([2, 3]);
  expect(() => wc.sum(x, 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
  expect(() => wc.sum(x, [1, -1])).toThrow(/repeat/);
  x.dispose();
});

it('sums few outputs of many terms in two stages (a bias gradient) and gets the same values', async () => {
  // [8, 3, 40, 60] over [0, 2, 3]: 3 outputs of 19,200 terms, so the inner [40, 60] is summed first.
  await checkOp({ shapes: [[8, 3, 40, 60]], ours: (x) => wc.sum(x, [0, 2, 3]), ref: (x) => sumRef(x, [0, 2, 3]), rtol: 1e-5, atol: 1e-4, grad: false });
  await checkOp({ shapes: [[5, 2, 3, 41, 47]], ours: (x) => wc.mean(x, [0, 1, 3, 4], true), ref: (x) => sumRef(x, [0, 1, 3, 4], true, 1 / (5 * 2 * 41 * 47)), grad: false });
});
