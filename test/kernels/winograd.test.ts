import { afterEach, beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, expectClose, setup } from '../helpers';
import { conv2dGradsRef, conv2dRef } from '../reference/conv';
import { randomArray } from '../reference/array';
import { convGeometry } from '../../src/kernels/conv';
import { evenChunk, setIm2colLimit } from '../../src/kernels/im2col';
import { useWinograd, useWinogradGradInput, winogradFits } from '../../src/kernels/winograd';

/** F(2x2, 3x3) and F(4x4, 3x3) */
const tiles = [2, 4] as const;

// Winograd convolution, F(2x2, 3x3) and F(4x4, 3x3) (shaders/winograd.wgsl), forced on wherever the shape
// allows, held against the float64 reference in the forward direction and against central differences for both
// gradients (its input gradient is itself a Winograd convolution, of dy with the kernel flipped): batch 1 and 3,
// 1 to 13 channels, odd and non-square images (odd P and Q leave part tiles), padding 0 to 3 and uneven, 3x3
// kernels and the bigger ones cut into blocks of 3x3 taps (5x5, 3x5, 6x6), bias and a fused ReLU.

beforeAll(setup);
afterEach(() => {
  wc.setWinograd(null);
  setIm2colLimit(null);
});

type Pair = [number, number];
type Case = { x: number[]; w: number[]; padding?: Pair; bias?: boolean; relu?: boolean };

const cases: Case[] = [
  { x: [1, 1, 7, 5], w: [1, 1, 3, 3] },
  { x: [3, 7, 13, 13], w: [5, 7, 3, 3], padding: [1, 1], bias: true },
  { x: [2, 3, 9, 6], w: [4, 3, 3, 3], padding: [2, 0], bias: true, relu: true },
  { x: [1, 13, 4, 7], w: [8, 13, 3, 3], padding: [0, 1] },
  { x: [2, 4, 7, 9], w: [3, 4, 5, 5], padding: [2, 2], bias: true },
  { x: [1, 2, 8, 6], w: [3, 2, 5, 5], padding: [1, 2], relu: true },
  { x: [2, 3, 6, 9], w: [2, 3, 3, 5], padding: [1, 2], bias: true },
  { x: [1, 2, 9, 8], w: [2, 2, 6, 6], padding: [3, 2] },
];

/** The kernels a call of fn dispatched, by label. */
async function kernelsOf(fn: () => void): Promise<string[]> {
  wc.startProfile();
  fn();
  return (await wc.stopProfile()).map((k) => k.kernel);
}

it.each(tiles.flatMap((tile) => cases.map((c) => ({ ...c, tile }))))('conv2d %j through Winograd matches the reference and central differences', async ({ x, w, padding = [0, 0], bias, relu, tile }) => {
  wc.setWinograd('always', { tile });
  // F(4x4, 3x3)'s transforms multiply by up to 8 and divide by 24: about 10x F(2x2, 3x3)'s rounding error
  const tol = tile === 2 ? 1e-5 : 1e-4;
  await checkOp({
    shapes: bias ? [x, w, [w[0]]] : [x, w],
    ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding, relu }),
    ref: (rx, rw, rb) => {
      const r = conv2dRef(rx, rw, rb ?? null, [1, 1], padding);
      return relu ? { ...r, data: r.data.map((v) => Math.max(v, 0)) } : r;
    },
    rtol: tol,
    atol: tol,
  });
});

it('runs the Winograd kernels in both directions, and not when told never to', async () => {
  const x = wc.randn([2, 3, 7, 6], { seed: 1 });
  x.requiresGrad = true;
  const w = wc.randn([4, 3, 3, 3], { seed: 2 });
  const both = () => {
    const y = wc.conv2d(x, w, null, { padding: 1 });
    wc.sum(y).backward();
    y.dispose();
  };
  wc.setWinograd('always', { tile: 2 });
  const on = await kernelsOf(both);
  expect(on.some((k) => k.startsWith('winograd.weights') && k.includes('FLIP=0'))).toBe(true);
  expect(on.some((k) => k.startsWith('winograd.weights') && k.includes('FLIP=1'))).toBe(true);
  expect(on.filter((k) => k.startsWith('winograd.input')).length).toBeGreaterThan(0);
  expect(on.some((k) => k.includes('TILE=2'))).toBe(true);
  wc.setWinograd('always', { tile: 4 });
  x.grad!.dispose();
  x.grad = null;
  const four = (await kernelsOf(both)).filter((k) => k.startsWith('winograd'));
  for (const entry of ['weights', 'input', 'output']) expect(four.some((k) => k.startsWith(`winograd.${entry}`))).toBe(true);
  expect(four.every((k) => k.includes('TILE=4'))).toBe(true);
  wc.setWinograd('never');
  x.grad!.dispose();
  x.grad = null;
  const off = await kernelsOf(both);
  expect(off.some((k) => k.startsWith('winograd'))).toBe(false);
  [x, x.grad!, w].forEach((t) => t.dispose());
});

it('splits the batch into even chunks when the transformed tiles would grow too big, without changing the result', async () => {
  expect([evenChunk(64, 26), evenChunk(5, 100), evenChunk(7, 0), evenChunk(6, 3)]).toEqual([22, 5, 1, 3]);
  // F(2x2, 3x3), 5x5 kernel: tiles and products per image, 16 x (2 channels x 4 blocks + 3) x 16 tiles floats,
  // 11 KB: a 40 KB cap makes chunks of 3 and 2 images (48 and 32 tiles). F(4x4, 3x3): 36 x 11 x 4 tiles, 6.3 KB:
  // a 12 KB cap makes chunks of one image.
  for (const [tile, limit] of [[2, 40_000], [4, 12_000]] as const) {
    wc.setWinograd('always', { tile });
    setIm2colLimit(limit);
    await checkOp({
      shapes: [[5, 2, 8, 7], [3, 2, 5, 5], [3]],
      ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding: 2 }),
      ref: (rx, rw, rb) => conv2dRef(rx, rw, rb, [1, 1], [2, 2]),
      rtol: 1e-4,
      atol: 1e-4,
    });
  }
  // F(2x2, 3x3), 3x3, 12 tiles per image: 20 KB makes chunks of 2 images and 1 (24 and 12 tiles; dx's too)
  wc.setWinograd('always', { tile: 2 });
  setIm2colLimit(20_000);
  await checkOp({
    shapes: [[3, 5, 6, 7], [6, 5, 3, 3]],
    ours: (tx, tw) => wc.conv2d(tx, tw, null, { padding: 1 }),
    ref: (rx, rw) => conv2dRef(rx, rw, null, [1, 1], [1, 1]),
  });
});

it('keeps close to the direct sum over 64 channels, 5x5 kernels and 32-channel input gradients, for both tile sizes', async () => {
  // F(2x2, 3x3)'s transforms add and halve, so the direct form's tolerance holds; the gradients are held
  // against the float64 reference's analytic ones (central differences over 20,000 inputs would take minutes)
  for (const [xs, ws, pad, tile] of [
    [[2, 64, 9, 10], [32, 64, 3, 3], 1, 2], [[2, 32, 7, 8], [16, 32, 5, 5], 2, 2],
    [[2, 64, 9, 10], [32, 64, 3, 3], 1, 4], [[2, 32, 7, 8], [16, 32, 5, 5], 2, 4],
  ] as const) {
    wc.setWinograd('always', { tile });
    const [x, w, dy] = [randomArray([...xs], 1), randomArray([...ws], 2), randomArray([xs[0], ws[0], xs[2], xs[3]], 3)];
    const tx = wc.tensor(Float32Array.from(x.data), [...xs], { requiresGrad: true });
    const tw = wc.tensor(Float32Array.from(w.data), [...ws]);
    const y = wc.conv2d(tx, tw, null, { padding: pad });
    y.backward(wc.tensor(Float32Array.from(dy.data), dy.shape));
    // F(4x4, 3x3) over 576 products: about 10x F(2x2, 3x3)'s error (bench/winograd.mjs measured 6e-4 against
    // 6e-5 on outputs up to 117)
    const tol = tile === 2 ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-3, atol: 1e-3 };
    expectClose(await y.data(), conv2dRef(x, w, null, [1, 1], [pad, pad]).data, tol, `forward ${ws} F(${tile}x${tile}, 3x3)`);
    expectClose(await tx.grad!.data(), conv2dGradsRef(x, w, dy, [1, 1], [pad, pad]).dx.data, tol, `dx ${ws} F(${tile}x${tile}, 3x3)`);
    [tx, tx.grad!, tw, y].forEach((t) => t.dispose());
  }
});

it('takes the shapes it speeds up, and on CPU adapters only layers of 8 channels or more unless forced', () => {
  const fits = (x: number[], w: number[], o: Parameters<typeof convGeometry>[2] = {}) => winogradFits(convGeometry(x, w, o));
  expect(fits([1, 8, 9, 9], [8, 8, 3, 3])).toBe(true);
  expect(fits([1, 8, 9, 9], [8, 8, 5, 5], { padding: 2 })).toBe(true);
  expect(fits([1, 8, 9, 9], [8, 8, 3, 5])).toBe(true);
  // 1x1, 2x2 and 4x4 would need as many products as the direct form, 7x7 nearly as many
  for (const k of [1, 2, 4, 7]) expect(fits([1, 8, 9, 9], [8, 8, k, k]), `${k}x${k}`).toBe(false);
  expect(fits([1, 8, 9, 9], [8, 8, 3, 3], { stride: 2 })).toBe(false);
  expect(fits([1, 8, 9, 9], [8, 8, 3, 3], { dilation: 2 })).toBe(false);
  expect(fits([1, 8, 9, 9], [8, 4, 3, 3], { groups: 2 })).toBe(false);

  const g = (c: number, o: number, padding = 1) => convGeometry([2, c, 9, 9], [o, c, 3, 3], { padding });
  // setup() gives SwiftShader, a CPU adapter: 'auto' takes layers of 8 channels or more each way
  expect(useWinograd(g(8, 16))).toBe(true);
  expect(useWinograd(g(1, 8))).toBe(false);
  expect(useWinogradGradInput(g(8, 16))).toBe(true);
  // a padding of the kernel's size leaves the input gradient no stride-1 convolution of dy to be
  expect(useWinogradGradInput(g(8, 16, 3))).toBe(false);
  wc.setWinograd('always');
  expect(useWinograd(g(1, 8))).toBe(true);
  wc.setWinograd('never');
  expect(useWinograd(g(8, 16))).toBe(false);
  expect(useWinogradGradInput(g(8, 16))).toBe(false);
});
