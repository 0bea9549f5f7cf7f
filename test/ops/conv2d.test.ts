import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkConv2d, checkOp, setup, type ConvCase } from '../helpers';
import { conv2dRef } from '../reference/conv';
import { setIm2colLimit } from '../../src/kernels/im2col';
import { generator } from '../reference/array';

beforeAll(setup);

// Batch 1, 1/3/7 channels, 7x5 images, kernels 1, 3 and 5, stride 2 with a remainder, padding 2, non-square.
const cases: ConvCase[] = [
  { x: [1, 1, 7, 5], w: [1, 1, 1, 1] },
  { x: [1, 1, 7, 5], w: [2, 1, 3, 3], bias: true },
  { x: [2, 3, 7, 5], w: [4, 3, 3, 3], padding: [1, 1], bias: true },
  { x: [1, 7, 7, 5], w: [3, 7, 5, 5], padding: [2, 2] },
  { x: [2, 3, 7, 5], w: [5, 3, 3, 3], stride: [2, 2], bias: true },
  { x: [2, 3, 7, 5], w: [5, 3, 3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [1, 2, 6, 9], w: [3, 2, 2, 4], stride: [1, 2], padding: [0, 1], bias: true },
  { x: [3, 1, 5, 5], w: [1, 1, 5, 5], padding: [2, 2], bias: true },
  // K = 1*3*3 = 9 with P*Q = 48: the patches get zero rows up to K = 12 for the GEMM's 16-byte loads (and dx,
  // a convolution with 3 input channels, pads 27 to 28)
  { x: [2, 1, 8, 6], w: [3, 1, 3, 3], padding: [1, 1], bias: true },
  // stride 1 with padding >= kernel: dx cannot be a convolution of dy (its padding KH-1-PH would be negative),
  // so it goes through col2im like the strided cases
  { x: [2, 2, 5, 4], w: [3, 2, 2, 2], padding: [2, 2], bias: true },
  { x: [1, 3, 4, 6], w: [2, 3, 3, 1], padding: [1, 2] },
  // stride 2 into a 4x7 output: the vec4 patch kernels, im2col4 walking 4 output rows per invocation (Q odd)
  // and im2row4 (C*KH*KW = 36)
  { x: [1, 4, 8, 14], w: [2, 4, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
];

it.each(cases)('conv2d %j', async (c) => {
  await checkConv2d(c);
});

// Dilation and groups (the implicit-GEMM kernels on every adapter): dilation 2 with stride 2, groups 3 over 6
// channels, depthwise (groups = channels, one filter each, and two per channel), odd sizes.
const grouped: Array<ConvCase & { dilation: [number, number]; groups: number }> = [
  { x: [2, 3, 9, 7], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 2], groups: 1, bias: true },
  { x: [1, 2, 7, 8], w: [3, 2, 2, 3], padding: [2, 1], dilation: [3, 2], groups: 1 },
  { x: [2, 6, 7, 5], w: [9, 2, 3, 3], padding: [1, 1], dilation: [1, 1], groups: 3, bias: true },
  { x: [1, 6, 8, 7], w: [6, 2, 3, 2], stride: [2, 1], dilation: [2, 1], groups: 3 },
  { x: [2, 5, 7, 7], w: [5, 1, 3, 3], padding: [1, 1], dilation: [1, 1], groups: 5, bias: true },
  { x: [1, 4, 9, 6], w: [8, 1, 5, 5], stride: [2, 2], padding: [2, 2], dilation: [1, 1], groups: 4 },
];

/** conv2d with dilation and groups, forward and gradients, against the float64 reference. */
function checkGrouped({ x, w, stride = [1, 1], padding = [0, 0], dilation, groups, bias }: (typeof grouped)[number]) {
  return checkOp({
    shapes: bias ? [x, w, [w[0]]] : [x, w],
    ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { stride, padding, dilation, groups }),
    ref: (rx, rw, rb) => conv2dRef(rx, rw, rb ?? null, stride, padding, dilation, groups),
    rtol: 1e-5,
    atol: 1e-5,
  });
}

// Depthwise cases run the direct kernels (shaders/depthwise.wgsl) and, forced, the grouped GEMM too.
const depthwiseCases = grouped.filter((c) => c.groups === c.x[1]);
it.each(depthwiseCases)('conv2d x%j w%j depthwise through the grouped GEMM', async (c) => {
  wc.setDepthwiseAlgorithm('gemm');
  try {
    await checkGrouped(c);
  } finally {
    wc.setDepthwiseAlgorithm(null);
  }
});

it('depthwise with dilation 2, stride 2, a fused ReLU and odd sizes (direct kernels)', async () => {
  await checkOp({
    shapes: [[2, 3, 9, 8], [6, 1, 3, 2], [6]],
    ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { stride: 2, padding: [2, 1], dilation: 2, groups: 3, relu: true }),
    ref: (rx, rw, rb) => {
      const r = conv2dRef(rx, rw, rb, [2, 2], [2, 1], [2, 2], 3);
      return { ...r, data: r.data.map((v) => Math.max(v, 0)) };
    },
    rtol: 1e-5,
    atol: 1e-5,
  });
});

it.each(grouped)('conv2d x%j w%j with dilation and groups', async (c) => {
  await checkGrouped(c);
});

it('rejects groups that do not divide the channels, and weights of the wrong group width', () => {
  const x = wc.zeros([1, 6, 5, 5]);
  expect(() => wc.conv2d(x, wc.zeros([4, 2, 3, 3]), null, { groups: 4 })).toThrow(/conv2d: groups 4 must divide both the 6 input and the 4 output channels/);
  expect(() => wc.conv2d(x, wc.zeros([6, 3, 3, 3]), null, { groups: 3 })).toThrow(/w has 3 input channels per group; x's 6 channels in 3 groups need 2/);
  expect(() => wc.conv2d(x, wc.zeros([6, 6, 3, 3]), null, { dilation: 0 })).toThrow(/dilation 0 must be positive integers/);
  expect(() => wc.conv2d(x, wc.zeros([6, 6, 3, 3]), null, { dilation: 3 })).toThrow(/the 3x3 kernel \(dilation 3,3\) does not fit the 5x5 image/);
});

it('fuses a ReLU into the output and its gradient', async () => {
  await checkOp({
    shapes: [[2, 3, 6, 5], [4, 3, 3, 3], [4]],
    ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding: 1, relu: true }),
    ref: (rx, rw, rb) => {
      const r = conv2dRef(rx, rw, rb, [1, 1], [1, 1]);
      return { ...r, data: r.data.map((v) => Math.max(v, 0)) };
    },
  });
});

it('matches the reference on randomly drawn shapes and attributes', async () => {
  const next = generator(2024);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  for (let trial = 0; trial < 8; trial++) {
    const k = [int(1, 4), int(1, 4)] as [number, number];
    const stride = [int(1, 3), int(1, 3)] as [number, number];
    const padding = [int(0, k[0] - 1), int(0, k[1] - 1)] as [number, number];
    const x = [int(1, 3), int(1, 4), int(k[0], 9), int(k[1], 9)];
    const w = [int(1, 5), x[1], ...k];
    await checkOp({
      shapes: [x, w, [w[0]]],
      ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { stride, padding }),
      ref: (rx, rw, rb) => conv2dRef(rx, rw, rb, stride, padding),
      seed: trial + 1,
      rtol: 1e-5,
      atol: 1e-5,
    });
  }
});

it('splits the batch into chunks when im2col would grow too big, without changing the result', async () => {
  // One image's im2col here is 2*3*3 x 6*11 floats, 4.75 KB: a 20 KB cap makes chunks of 4 images and a last of 1.
  setIm2colLimit(20_000);
  try {
    await checkOp({
      shapes: [[5, 2, 12, 11], [3, 2, 3, 3], [3]],
      ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding: 1, stride: [2, 1] }),
      ref: (rx, rw, rb) => conv2dRef(rx, rw, rb, [2, 1], [1, 1]),
    });
    // and with K = 27 padded to 28, images of 28 x 32 floats: chunks of 5 images and a last of 2
    await checkOp({
      shapes: [[7, 3, 8, 4], [2, 3, 3, 3], [2]],
      ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding: 1 }),
      ref: (rx, rw, rb) => conv2dRef(rx, rw, rb, [1, 1], [1, 1]),
    });
  } finally {
    setIm2colLimit(null);
  }
});

it('rejects mismatched shapes with the op, the shapes and what was expected', () => {
  const x = wc.zeros([1, 3, 8, 8]);
  expect(() => wc.conv2d(x, wc.zeros([4, 2, 3, 3]))).toThrow(/conv2d: w has 2 input channels, x has 3 \(x: \[1, 3, 8, 8\], w: \[4, 2, 3, 3\]\)/);
  expect(() => wc.conv2d(x, wc.zeros([4, 3, 9, 9]))).toThrow(/conv2d: the 9x9 kernel does not fit the 8x8 image/);
  expect(() => wc.conv2d(x, wc.zeros([4, 3, 3, 3]), wc.zeros([3]))).toThrow(/conv2d: b must be \[4\]/);
  expect(() => wc.conv2d(wc.zeros([3, 8, 8]), wc.zeros([4, 3, 3, 3]))).toThrow(/conv2d: x must be \[N, C, H, W\]/);
});

// The patch path computes the bias gradient inside the weight gradient's GEMM (a column of ones), so a frozen
// weight or a frozen bias must still leave the other with exactly its own gradient.
it.each([
  { name: 'a frozen weight', wGrad: false, bGrad: true },
  { name: 'a frozen bias', wGrad: true, bGrad: false },
])('gives the weight and bias their gradients with $name', async ({ wGrad, bGrad }) => {
  const [xs, ws] = [[2, 3, 6, 5], [4, 3, 3, 3]];
  const data = (n: number, k: number) => new Float32Array(n).map((_, i) => Math.sin(i * k));
  const x = wc.tensor(data(180, 0.7), xs);
  const w = wc.tensor(data(108, 1.3), ws, { requiresGrad: wGrad });
  const b = wc.tensor(data(4, 2.1), [4], { requiresGrad: bGrad });
  const r = data(2 * 4 * 6 * 5, 0.37);
  const loss = wc.sum(wc.mul(wc.conv2d(x, w, b, { padding: 1 }), wc.tensor(r, [2, 4, 6, 5])));
  loss.backward();
  // d loss / d b[o] = sum of r over images and positions of channel o
  const db = [0, 1, 2, 3].map((o) => r.filter((_, i) => Math.floor(i / 30) % 4 === o).reduce((s, v) => s + v, 0));
  if (bGrad) expect(Array.from(await b.grad!.data())).toEqual(db.map((v) => expect.closeTo(v, 4)));
  else expect(b.grad).toBeFalsy();
  if (wGrad) {
    // d loss / d w[o, c, i, j] = sum over n, p, q of r[n, o, p, q] x[n, c, p + i - 1, q + j - 1] (padding 1)
    const xv = data(180, 0.7);
    const dw = Array.from({ length: 108 }, (_, e) => {
      const [o, c, i, j] = [Math.floor(e / 27), Math.floor(e / 9) % 3, Math.floor(e / 3) % 3, e % 3];
      let s = 0;
      for (let n = 0; n < 2; n++) for (let p = 0; p < 6; p++) for (let q = 0; q < 5; q++) {
        const [h, v] = [p + i - 1, q + j - 1];
        if (h >= 0 && h < 6 && v >= 0 && v < 5) s += r[((n * 4 + o) * 6 + p) * 5 + q] * xv[((n * 3 + c) * 6 + h) * 5 + v];
      }
      return s;
    });
    expect(Array.from(await w.grad!.data())).toEqual(dw.map((v) => expect.closeTo(v, 4)));
  } else {
    expect(w.grad).toBeFalsy();
  }
  [x, w, b, loss].forEach((t) => t.dispose());
});
