import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { avgPool2d } from '../../src/ops/avgpool2d';
import { checkOp, expectClose, setup } from '../helpers';
import { avgPool2dRef, randomPoolConfigs, type Pair } from '../reference/pool';

beforeAll(setup);

// float32 sums of up to 35 values in [-1, 1]
const tol = { rtol: 1e-5, atol: 1e-5 };

// [x shape, kernel, stride, padding]
const cases: Array<[number[], Pair, Pair, Pair]> = [
  [[1, 1, 7, 5], 1, 1, 0],
  [[1, 3, 7, 5], 2, 2, 0], // stride 2 leaves a row and a column over
  [[1, 7, 7, 5], 3, 1, 0], // overlapping windows
  [[1, 3, 7, 5], 5, 1, 2],
  [[1, 3, 7, 5], 3, 2, 1],
  [[2, 1, 7, 5], 2, 1, 1],
  [[1, 1, 7, 5], 4, 3, 2], // windows that do not tile the image, half of them in the padding
  [[1, 1, 7, 5], 2, 3, 0], // gaps between windows
  [[2, 3, 7, 5], [3, 2], [2, 1], [1, 0]],
  [[2, 1, 5, 7], [1, 3], [1, 2], [0, 1]],
  [[1, 2, 7, 5], [7, 5], 1, 0], // one window: the whole image
];

it.each(cases)('avgPool2d of %j, kernel %j, stride %j, padding %j', async (shape, kernelSize, stride, padding) => {
  await checkOp({
    shapes: [shape],
    ours: (x) => avgPool2d(x, { kernelSize, stride, padding }),
    ref: (x) => avgPool2dRef(x, kernelSize, stride, padding),
    ...tol,
  });
});

it('stride defaults to the kernel size and padding to 0', async () => {
  await checkOp({
    shapes: [[1, 3, 7, 5]],
    ours: (x) => avgPool2d(x, { kernelSize: [3, 2] }),
    ref: (x) => avgPool2dRef(x, [3, 2], [3, 2], 0),
    ...tol,
  });
});

it.each(randomPoolConfigs(7, 8))('random pooling %j', async ({ shape, kernel, stride, padding }) => {
  await checkOp({
    shapes: [shape],
    ours: (x) => avgPool2d(x, { kernelSize: kernel, stride, padding }),
    ref: (x) => avgPool2dRef(x, kernel, stride, padding),
    ...tol,
  });
});

it('counts padding in the divisor, like PyTorch with count_include_pad=True', async () => {
  // 3x3 ones, kernel 2, stride 2, padding 1: the windows hold 1, 2, 2 and 4 image elements, all divided by 4.
  const x = wc.tensor(new Float32Array(9).fill(1), [1, 1, 3, 3], { requiresGrad: true });
  const y = avgPool2d(x, { kernelSize: 2, stride: 2, padding: 1 });
  expectClose(await y.data(), [0.25, 0.5, 0.5, 1]);
  const loss = wc.sum(y);
  loss.backward();
  // Every image element lies in exactly one window here.
  expectClose(await x.grad!.data(), new Float32Array(9).fill(0.25));
  [x, y, loss].forEach((t) => t.dispose());
});

it('rejects bad input before launching anything, naming the op, the shapes and what was expected', () => {
  const x = wc.zeros([1, 2, 4, 4]);
  const r5 = wc.zeros([1, 1, 2, 4, 4]);
  const before = wc.memory().tensors;
  expect(() => avgPool2d(r5, { kernelSize: 2 })).toThrow(/webgpu-cnn avgPool2d: expected x: \[N, C, H, W\] \(rank 4\), got \[1, 1, 2, 4, 4\]/);
  expect(() => avgPool2d(x, { kernelSize: [2, -2] })).toThrow(/avgPool2d: kernelSize must be a positive integer or a pair \[h, w\] of them, got \[2,-2\]/);
  expect(() => avgPool2d(x, { kernelSize: 2, stride: 0 })).toThrow(/avgPool2d: stride must be a positive integer/);
  expect(() => avgPool2d(x, { kernelSize: 2, padding: 0.5 })).toThrow(/avgPool2d: padding must be a non-negative integer/);
  expect(() => avgPool2d(x, { kernelSize: [4, 1], padding: [2, 1] })).toThrow(/avgPool2d: padding \[2, 1\] must be at most half the kernel \[4, 1\]/);
  expect(() => avgPool2d(x, { kernelSize: [2, 7], padding: [0, 1] })).toThrow(/avgPool2d: input \[1, 2, 4, 4\] padded by \[0, 1\] is 4x6, smaller than the kernel \[2, 7\]/);
  expect(wc.memory().tensors).toBe(before);
  [x, r5].forEach((t) => t.dispose());
});
