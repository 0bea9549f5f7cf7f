import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { linearRef } from '../reference/linear';

beforeAll(setup);

// [N, in, out]
const shapes = [[1, 1, 1], [7, 13, 5], [13, 65, 10], [4, 8, 12], [3, 16, 4]];

it.each(shapes)('linear N=%i in=%i out=%i with bias', async (n, i, o) => {
  await checkOp({ shapes: [[n, i], [o, i], [o]], ours: (x, w, b) => wc.linear(x, w, b), ref: (x, w, b) => linearRef(x, w, b), atol: 1e-5 });
});

it.each(shapes)('linear N=%i in=%i out=%i, no bias, fused ReLU', async (n, i, o) => {
  await checkOp({
    shapes: [[n, i], [o, i]],
    ours: (x, w) => wc.linear(x, w, null, { relu: true }),
    ref: (x, w) => {
      const y = linearRef(x, w, null);
      return { ...y, data: y.data.map((v) => Math.max(v, 0)) };
    },
    atol: 1e-5,
  });
});

it('rejects a weight that does not match the input features', () => {
  expect(() => wc.linear(wc.zeros([2, 3]), wc.zeros([4, 5]))).toThrow(/linear: w must be \[out, 3\] \(x: \[2, 3\], w: \[4, 5\]\)/);
});
