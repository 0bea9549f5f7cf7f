import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { crossEntropyRef, softmaxRef } from '../reference/softmax';
import { generator } from '../reference/array';

beforeAll(setup);

const cases: Array<[number[], number]> = [
  [[1], 0],
  [[7], -1],
  [[13, 5], 1],
  [[13, 5], 0],
  [[2, 3, 7], 1],
  [[3, 65], 1],
  [[2, 130], -1],
];

it.each(cases)('softmax of %j along %i', async (shape, axis) => {
  await checkOp({ shapes: [shape], ours: (x) => wc.softmax(x, axis), ref: (x) => softmaxRef(x, axis), range: [-5, 5] });
});

it.each(cases)('logSoftmax of %j along %i', async (shape, axis) => {
  await checkOp({ shapes: [shape], ours: (x) => wc.logSoftmax(x, axis), ref: (x) => softmaxRef(x, axis, true), range: [-5, 5] });
});

it('softmax stays finite for huge logits', async () => {
  const y = await wc.softmax(wc.tensor([1000, 0, -1000, 999], [1, 4])).data();
  expect(Array.from(y).every(Number.isFinite)).toBe(true);
  expect(y[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
});

const ceShapes: Array<[number, number]> = [
  [1, 1],
  [1, 10],
  [7, 3],
  [13, 10],
  [4, 65],
];

it.each(ceShapes)('crossEntropy of [%i, %i] logits', async (n, k) => {
  const next = generator(n * 100 + k);
  const labels = Int32Array.from({ length: n }, () => Math.floor(next() * k));
  await checkOp({
    shapes: [[n, k]],
    ours: (x) => wc.crossEntropy(x, labels),
    ref: (x) => crossEntropyRef(x, labels),
    range: [-4, 4],
  });
});

it('crossEntropy takes labels as a tensor too', async () => {
  const loss = wc.crossEntropy(wc.tensor([0, 0, 0, 0], [2, 2]), wc.tensor([0, 1], [2]));
  expect((await loss.data())[0]).toBeCloseTo(Math.log(2), 6);
  const bad = wc.crossEntropy(wc.tensor([0, 0, 0, 0], [2, 2]), wc.tensor([0, 5], [2]));
  expect(Number.isNaN((await bad.data())[0])).toBe(true);
});

it('crossEntropy rejects bad labels and shapes', () => {
  const x = wc.zeros([2, 3]);
  expect(() => wc.crossEntropy(x, Int32Array.of(0, 3))).toThrow(/crossEntropy: label 3 at index 1 is not a class index in \[0, 3\)/);
  expect(() => wc.crossEntropy(x, [0])).toThrow(/crossEntropy: 1 labels for logits \[2, 3\]; expected 2/);
  expect(() => wc.crossEntropy(wc.zeros([6]), [0])).toThrow(/logits must be \[N, K\], got \[6\]/);
});
