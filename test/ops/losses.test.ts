import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { bceWithLogitsRef, crossEntropyFullRef, mseLossRef } from '../reference/losses';
import { generator } from '../reference/array';

beforeAll(setup);

const labelsFor = (n: number, k: number, seed: number, ignore?: number) => {
  const next = generator(seed);
  return Int32Array.from({ length: n }, () => (ignore !== undefined && next() < 0.25 ? ignore : Math.floor(next() * k)));
};

it.each([
  { logits: [5, 4], smoothing: 0, reduction: 'mean' as const },
  { logits: [5, 4], smoothing: 0.1, reduction: 'sum' as const },
  { logits: [6, 3], smoothing: 0.2, reduction: 'none' as const, ignore: 2 },
  { logits: [3, 5], smoothing: 0, reduction: 'mean' as const, ignore: -100 },
  // segmentation: [N, K, H, W] logits, [N, H, W] labels, odd sizes
  { logits: [2, 3, 5, 3], smoothing: 0, reduction: 'mean' as const },
  { logits: [2, 4, 3, 5], smoothing: 0.1, reduction: 'mean' as const, ignore: 255 },
  { logits: [1, 3, 4, 3], smoothing: 0, reduction: 'none' as const, ignore: -1 },
  // 945 logits: the gradient's invocations (16 logits each on CPU adapters) start mid-row and cross classes and images
  { logits: [3, 5, 7, 9], smoothing: 0.05, reduction: 'mean' as const, ignore: 255 },
  // more than 32 classes: a workgroup per row
  { logits: [2, 40, 3], smoothing: 0.1, reduction: 'mean' as const, ignore: 5 },
  // class weights (PyTorch's weight), with and without smoothing, a workgroup per row and not
  { logits: [2, 3, 5, 3], smoothing: 0, reduction: 'mean' as const, weight: [0.2, 1, 3] },
  { logits: [6, 4], smoothing: 0.1, reduction: 'sum' as const, weight: [1, 0.5, 2, 0], ignore: 1 },
  { logits: [2, 40, 3], smoothing: 0.2, reduction: 'mean' as const, weight: Array.from({ length: 40 }, (_, i) => (i % 3) + 0.5) },
])('crossEntropy $logits smoothing $smoothing $reduction ignoreIndex $ignore weight $weight', async ({ logits, smoothing, reduction, ignore, weight }) => {
  const [n, k, ...rest] = logits;
  const labels = labelsFor(n * rest.reduce((a, b) => a * b, 1), k, 7, ignore);
  const options = { labelSmoothing: smoothing, reduction, ignoreIndex: ignore ?? -100, weight };
  await checkOp({
    shapes: [logits],
    range: [-3, 3],
    ours: (x) => wc.crossEntropy(x, labels, options),
    ref: (x) => crossEntropyFullRef(x, labels, smoothing, ignore ?? -100, reduction, weight),
  });
  // labels already on the GPU (a mask tensor) give the same
  await checkOp({
    shapes: [logits],
    range: [-3, 3],
    grad: false,
    ours: (x) => wc.crossEntropy(x, wc.tensor(Float32Array.from(labels), [n, ...rest]), options),
    ref: (x) => crossEntropyFullRef(x, labels, smoothing, ignore ?? -100, reduction, weight),
  });
});

it.each(['mean', 'sum', 'none'] as const)('mseLoss %s', async (reduction) => {
  await checkOp({ shapes: [[3, 5, 2], [3, 5, 2]], ours: (a, b) => wc.mseLoss(a, b, { reduction }), ref: (a, b) => mseLossRef(a, b, reduction) });
});

it.each([
  { shape: [4, 3], pos: false, reduction: 'mean' as const },
  { shape: [2, 3, 5], pos: true, reduction: 'sum' as const },
  { shape: [5, 2], pos: true, reduction: 'none' as const },
])('binaryCrossEntropyWithLogits $shape posWeight $pos $reduction', async ({ shape, pos, reduction }) => {
  const last = shape[shape.length - 1];
  await checkOp({
    shapes: pos ? [shape, shape, [last]] : [shape, shape],
    range: [0.05, 0.95],
    ours: (x, t, p) => wc.binaryCrossEntropyWithLogits(wc.mul(x, wc.full([1], 6)), t, { posWeight: p, reduction }),
    ref: (x, t, p) => bceWithLogitsRef({ ...x, data: x.data.map((v) => 6 * v) }, t, p ?? null, reduction),
  });
});

it('argmax along an axis, first of ties, as float indices', async () => {
  const x = wc.tensor([1, 5, 5, 0, 2, -1, 7, 7, 3, 0, 0, 9], [2, 3, 2]);
  expect(Array.from(await wc.argmax(x, 1).data())).toEqual([1, 0, 0, 2]);
  expect(Array.from(await wc.argmax(x, -1).data())).toEqual([1, 0, 0, 0, 0, 1]);
  expect(wc.argmax(x, 0).shape).toEqual([3, 2]);
  expect(wc.argmax(x, 1).requiresGrad).toBe(false);
  expect(() => wc.crossEntropy(wc.zeros([2, 3, 4, 4]), new Int32Array(8))).toThrow(/crossEntropy: 8 labels for logits \[2, 3, 4, 4\]; expected 32, one per entry of \[2, 4, 4\]/);
});
