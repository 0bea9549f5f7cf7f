import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { maxPool2d } from '../../src/ops/maxpool2d';
import { setMaxPoolRowWalk } from '../../src/kernels/pool';
import { checkOp, collectGarbage, expectClose, setup } from '../helpers';
import { maxPool2dRef, randomPoolConfigs, type Pair } from '../reference/pool';
import type { NdArray } from '../reference/array';

beforeAll(setup);

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

it.each(cases)('maxPool2d of %j, kernel %j, stride %j, padding %j', async (shape, kernelSize, stride, padding) => {
  await checkOp({
    shapes: [shape],
    ours: (x) => maxPool2d(x, { kernelSize, stride, padding }),
    ref: (x) => maxPool2dRef(x, kernelSize, stride, padding),
  });
});

// relu folded in: the disjoint windows take the scatter backward, the overlapping ones the gather; inputs
// shifted below 0 so that some windows are all negative and must pass no gradient at all.
it.each([cases[1], cases[2], cases[4], cases[8]])('maxPool2d with a fused ReLU of %j, kernel %j, stride %j, padding %j', async (shape, kernelSize, stride, padding) => {
  const relu = (x: NdArray) => ({ ...x, data: x.data.map((v) => Math.max(v, 0)) });
  await checkOp({
    shapes: [shape],
    range: [-1.5, 0.5],
    ours: (x) => maxPool2d(x, { kernelSize, stride, padding, relu: true }),
    ref: (x) => maxPool2dRef(relu(x), kernelSize, stride, padding),
  });
});

// The forward has two ways to cover the output: an invocation per output row (CPU adapters, the default here on
// SwiftShader) and one per element (GPUs); both against the reference, with and without the fused ReLU.
it.each([false, true])('maxPool2d with the row walk %s matches the reference on every case', async (walk) => {
  setMaxPoolRowWalk(walk);
  try {
    for (const [shape, kernelSize, stride, padding] of cases) {
      for (const relu of [false, true]) {
        await checkOp({
          shapes: [shape],
          range: relu ? [-1.5, 0.5] : undefined,
          ours: (x) => maxPool2d(x, { kernelSize, stride, padding, relu }),
          ref: (x) => maxPool2dRef(relu ? { ...x, data: x.data.map((v) => Math.max(v, 0)) } : x, kernelSize, stride, padding),
        });
      }
    }
  } finally {
    setMaxPoolRowWalk(null);
  }
});

it('stride defaults to the kernel size and padding to 0', async () => {
  await checkOp({
    shapes: [[1, 3, 7, 5]],
    ours: (x) => maxPool2d(x, { kernelSize: [3, 2] }),
    ref: (x) => maxPool2dRef(x, [3, 2], [3, 2], 0),
  });
});

it.each(randomPoolConfigs(2024, 8))('random pooling %j', async ({ shape, kernel, stride, padding }) => {
  await checkOp({
    shapes: [shape],
    ours: (x) => maxPool2d(x, { kernelSize: kernel, stride, padding }),
    ref: (x) => maxPool2dRef(x, kernel, stride, padding),
  });
});

it('matches a hand-worked example, with -inf padding', async () => {
  // 3x3 image, kernel 2, stride 2, padding 1: windows hold 1, 2 or 4 image elements.
  const x = wc.tensor([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 1, 3, 3]);
  const y = maxPool2d(x, { kernelSize: 2, stride: 2, padding: 1 });
  expect(y.shape).toEqual([1, 1, 2, 2]);
  expectClose(await y.data(), [-1, -2, -4, -5]);
  [x, y].forEach((t) => t.dispose());
});

it('sends the gradient of a tie to the first maximum in each window, like PyTorch', async () => {
  const x = wc.tensor(new Float32Array(16).fill(1), [1, 1, 4, 4], { requiresGrad: true });
  const y = maxPool2d(x, { kernelSize: 3, stride: 1, padding: 1 });
  const loss = wc.sum(y);
  loss.backward();
  // Each 3x3 window's first element inside the image: row max(p-1, 0), column max(q-1, 0).
  const expected = new Float32Array(16);
  for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) expected[Math.max(p - 1, 0) * 4 + Math.max(q - 1, 0)] += 1;
  expectClose(await x.grad!.data(), expected);
  [x, y, loss].forEach((t) => t.dispose());
});

it('frees the saved argmax: at once without autograd, after backward with it, and survives a scope', async () => {
  await collectGarbage();
  const before = wc.memory().tensors;
  const plain = wc.tensor(new Float32Array(2 * 3 * 7 * 5), [2, 3, 7, 5]);
  wc.noGrad(() => maxPool2d(plain, { kernelSize: 2 })).dispose();
  wc.scope(() => void maxPool2d(plain, { kernelSize: 2 }));
  expect(wc.memory().tensors).toBe(before + 1);

  const x = wc.tensor(new Float32Array(2 * 3 * 7 * 5).map((_, i) => Math.sin(i)), [2, 3, 7, 5], { requiresGrad: true });
  const loss = wc.scope(() => wc.sum(maxPool2d(x, { kernelSize: 3, stride: 2 })));
  loss.backward();
  expect((await x.grad!.data()).reduce((a, b) => a + b, 0)).toBeCloseTo(2 * 3 * 3 * 2, 5);
  loss.dispose();
  x.dispose();
  plain.dispose();
  expect(wc.memory().tensors).toBe(before);
});

it('rejects bad input before launching anything, naming the op, the shapes and what was expected', () => {
  const x = wc.zeros([1, 2, 4, 4]);
  const r3 = wc.zeros([2, 4, 4]);
  const flat = wc.zeros([1, 2, 0, 4]);
  const before = wc.memory().tensors;
  expect(() => maxPool2d(r3, { kernelSize: 2 })).toThrow(/webgpu-cnn maxPool2d: expected x: \[N, C, H, W\] \(rank 4\), got \[2, 4, 4\]/);
  expect(() => maxPool2d(x, { kernelSize: 0 })).toThrow(/maxPool2d: kernelSize must be a positive integer or a pair \[h, w\] of them, got 0/);
  expect(() => maxPool2d(x, { kernelSize: 1.5 })).toThrow(/kernelSize must be a positive integer/);
  expect(() => maxPool2d(x, { kernelSize: [2] as unknown as [number, number] })).toThrow(/kernelSize .* got \[2\]/);
  expect(() => maxPool2d(x, { kernelSize: 2, stride: -1 })).toThrow(/maxPool2d: stride must be a positive integer .* got -1/);
  expect(() => maxPool2d(x, { kernelSize: 2, stride: [1, 0] })).toThrow(/stride .* got \[1,0\]/);
  expect(() => maxPool2d(x, { kernelSize: 2, padding: -1 })).toThrow(/padding must be a non-negative integer/);
  expect(() => maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(/maxPool2d: padding \[2, 2\] must be at most half the kernel \[3, 3\]/);
  expect(() => maxPool2d(x, { kernelSize: [5, 2] })).toThrow(/maxPool2d: input \[1, 2, 4, 4\] padded by \[0, 0\] is 4x4, smaller than the kernel \[5, 2\]/);
  expect(() => maxPool2d(x, {} as { kernelSize: number })).toThrow(/maxPool2d: options.kernelSize is required/);
  expect(() => maxPool2d(flat, { kernelSize: 1 })).toThrow(/non-zero C, H and W, got \[1, 2, 0, 4\]/);
  expect(wc.memory().tensors).toBe(before);
  [x, r3, flat].forEach((t) => t.dispose());
});
