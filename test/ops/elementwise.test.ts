import { beforeAll, describe, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { binaryRef, binaryRefs, unaryRef, unaryRefs } from '../reference/elementwise';

beforeAll(setup);

const unaryShapes = [[1], [7], [65], [13, 5], [2, 3, 7, 5]];

describe.each(Object.keys(unaryRefs) as Array<keyof typeof unaryRefs>)('%s', (name) => {
  it.each(unaryShapes)('shape %j', async (...shape) => {
    await checkOp({ shapes: [shape], ours: (x) => wc[name](x), ref: (x) => unaryRef(unaryRefs[name], x), range: [-4, 4] });
  });
});

it('tanh and sigmoid stay finite for large inputs', async () => {
  await checkOp({
    shapes: [[9]],
    ours: (x) => wc.tanh(wc.mul(x, wc.full([1], 1000))),
    ref: (x) => unaryRef((v) => Math.tanh(1000 * v), x),
    grad: false,
  });
  await checkOp({
    shapes: [[9]],
    ours: (x) => wc.sigmoid(wc.mul(x, wc.full([1], 1000))),
    ref: (x) => unaryRef((v) => 1 / (1 + Math.exp(-1000 * v)), x),
    grad: false,
  });
});

// Pairs of shapes covering equal shapes, scalars, trailing and leading broadcasts and both-sided broadcasts.
const pairs: Array<[number[], number[]]> = [
  [[7], [7]],
  [[13, 5], [13, 5]],
  [[13, 5], [1]],
  [[1], [65]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [4]],
  [[2, 1, 7, 5], [3, 1, 1]],
  [[6, 1, 1], [6, 5, 3]],
  // An invocation walks many elements (32 on CPU adapters) and carries across rows and dimensions as it goes: rows
  // of 7 and 5 inside one invocation, rows of 29 started mid-row by later invocations (3,219 elements), and a
  // rank-5 broadcast that no merging shortens, which splits every index instead.
  [[3, 5, 7], [3, 1, 7]],
  [[3, 37, 29], [37, 1]],
  [[2, 3, 2, 3, 2], [2, 1, 2, 1, 2]],
];

describe.each(Object.keys(binaryRefs) as Array<keyof typeof binaryRefs>)('%s', (name) => {
  it.each(pairs)('%j with %j', async (a, b) => {
    await checkOp({
      shapes: [a, b],
      ours: (x, y) => wc[name](x, y),
      ref: (x, y) => binaryRef(binaryRefs[name], x, y),
      // Keep divisors away from zero so the reference and its finite differences are well conditioned.
      range: name === 'div' ? [0.5, 2] : [-2, 2],
    });
  });
});
