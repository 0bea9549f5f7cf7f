import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkConv2d, checkOp, expectClose, numericGradient, dot, setup } from '../helpers';
import { conv2dGradsRef, conv2dRef } from '../reference/conv';
import { randomArray, type NdArray } from '../reference/array';
import { setConvAlgorithm } from '../../src/kernels/conv';
import { convForward, convGeometry, convGradInput, convGradWeight, pickConvTiles, setConvTiles } from '../../src/kernels/conv';

// Implicit-GEMM convolution (shaders/conv.wgsl) forced on whatever adapter runs the tests, against float64
// references: through wc.conv2d (forward, and autograd's dx, dw, db against finite differences), and through
// the launchers directly for what conv2d does not expose (dilation, groups) and for shapes spanning several tiles.

beforeAll(async () => {
  await setup();
  setConvAlgorithm('implicit');
});
afterAll(() => setConvAlgorithm(null));

type Pair = [number, number];
type Case = { x: number[]; w: number[]; stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number; bias?: boolean };

describe('wc.conv2d on the implicit path', () => {
  const cases: Case[] = [
    { x: [1, 1, 7, 5], w: [1, 1, 1, 1] },
    { x: [1, 3, 7, 5], w: [2, 3, 3, 3], padding: [1, 1], bias: true },
    { x: [3, 1, 7, 5], w: [3, 1, 5, 5], padding: [2, 2], bias: true },
    { x: [1, 7, 7, 5], w: [3, 7, 3, 2], stride: [2, 1], padding: [1, 0] },
    { x: [3, 3, 7, 5], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
  ];
  it.each(cases)('x $x w $w stride $stride padding $padding', async (c) => {
    await checkConv2d(c);
  });

  it('fuses bias and ReLU into the forward store', async () => {
    await checkOp({
      shapes: [[2, 3, 6, 5], [4, 3, 3, 3], [4]],
      ours: (tx, tw, tb) => wc.conv2d(tx, tw, tb, { padding: 1, relu: true }),
      ref: (rx, rw, rb) => {
        const r = conv2dRef(rx, rw, rb, [1, 1], [1, 1]);
        return { ...r, data: r.data.map((v) => Math.max(v, 0)) };
      },
    });
  });
});

describe('launchers against the float64 references', () => {
  const cases: Case[] = [
    { x: [1, 1, 7, 5], w: [1, 1, 1, 1] },
    { x: [3, 3, 13, 13], w: [7, 3, 3, 3], padding: [1, 1], bias: true },
    { x: [3, 7, 13, 13], w: [5, 7, 5, 5], stride: [2, 2], padding: [2, 2] },
    { x: [1, 3, 7, 5], w: [4, 3, 3, 2], stride: [2, 1], padding: [1, 0], bias: true },
    { x: [2, 3, 13, 13], w: [4, 3, 3, 3], padding: [2, 2], dilation: [2, 2] },
    { x: [2, 3, 13, 13], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 1] },
    { x: [2, 6, 7, 5], w: [9, 2, 3, 3], padding: [1, 1], groups: 3, bias: true },
    { x: [3, 4, 7, 5], w: [4, 1, 3, 3], stride: [2, 2], padding: [1, 1], groups: 4 },
    // several tiles along M (130 output channels), N (507 output pixels) and split K (dw: K = 507)
    { x: [3, 7, 13, 13], w: [130, 7, 1, 1], bias: true },
    { x: [3, 7, 13, 13], w: [9, 7, 3, 3], padding: [1, 1] },
  ];
  it.each(cases)('x $x w $w stride $stride padding $padding dilation $dilation groups $groups', async (c) => {
    const { stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1 } = c;
    const x = randomArray(c.x, 1);
    const w = randomArray(c.w, 2);
    const b = c.bias ? randomArray([c.w[0]], 3) : null;
    const out = conv2dRef(x, w, b, stride, padding, dilation, groups);
    const dy = randomArray(out.shape, 4);
    const { dx, dw } = conv2dGradsRef(x, w, dy, stride, padding, dilation, groups);

    const g = convGeometry(c.x, c.w, { stride, padding, dilation, groups });
    expect([g.P, g.Q]).toEqual(out.shape.slice(2));
    const t = (a: NdArray) => wc.tensor(Float32Array.from(a.data), a.shape);
    const [tx, tw, tdy] = [t(x), t(w), t(dy)];
    const tb = b ? t(b) : null;
    const tout = convForward(tx, tw, tb, g, false);
    const tdx = convGradInput(tdy, tw, g);
    const tdw = convGradWeight(tdy, tx, g);
    const tol = { rtol: 1e-4, atol: 1e-4 };
    expectClose(await tout.data(), out.data, tol, 'forward');
    expectClose(await tdx.data(), dx.data, tol, 'dx');
    expectClose(await tdw.data(), dw.data, tol, 'dw');
    [tx, tw, tdy, tb, tout, tdx, tdw].forEach((v) => v?.dispose());
  });

  it('gives the same dw with split-K off, forced and with other tiles', async () => {
    const x = randomArray([3, 5, 9, 11], 5);
    const w = randomArray([6, 5, 3, 3], 6);
    const g = convGeometry(x.shape, w.shape, { padding: 1 });
    const dy = randomArray([3, 6, g.P, g.Q], 7);
    const { dw } = conv2dGradsRef(x, w, dy, [1, 1], [1, 1]);
    const tx = wc.tensor(Float32Array.from(x.data), x.shape);
    const tdy = wc.tensor(Float32Array.from(dy.data), dy.shape);
    try {
      for (const tiles of [{ splits: 1 }, { splits: 5 }, { wgX: 8, wgY: 8, regM: 8, regN: 4, tileK: 8, splits: 2 }]) {
        setConvTiles(tiles);
        const tdw = convGradWeight(tdy, tx, g);
        expectClose(await tdw.data(), dw.data, { rtol: 1e-4, atol: 1e-4 }, `dw with ${JSON.stringify(tiles)}`);
        tdw.dispose();
      }
    } finally {
      setConvTiles(null);
      [tx, tdy].forEach((v) => v.dispose());
    }
  });
});

it('the gradient reference agrees with central differences of conv2dRef', () => {
  const x = randomArray([2, 4, 5, 6], 8);
  const w = randomArray([6, 2, 3, 2], 9);
  const [stride, padding, dilation]: Pair[] = [[2, 1], [1, 1], [1, 2]];
  const dy = randomArray(conv2dRef(x, w, null, stride, padding, dilation, 2).shape, 10);
  const L = ([a, b]: NdArray[]) => dot(conv2dRef(a, b, null, stride, padding, dilation, 2).data, dy.data);
  const { dx, dw } = conv2dGradsRef(x, w, dy, stride, padding, dilation, 2);
  expectClose(dx.data, numericGradient(L, [x, w], 0), { rtol: 1e-6, atol: 1e-6 }, 'dx');
  expectClose(dw.data, numericGradient(L, [x, w], 1), { rtol: 1e-6, atol: 1e-6 }, 'dw');
});

describe('pickConvTiles', () => {
  it('fits blocks to the channel count, and narrows them when the grid has too few workgroups', () => {
    // x[256, 64, 32, 32] w[64, 64, 3, 3]: 64 x 128 blocks, 4 x 8 per invocation, 2048 workgroups
    expect(pickConvTiles('forward', 64, 256 * 1024, 576)).toMatchObject({ wgX: 16, wgY: 16, regM: 4, regN: 8, tileK: 8 });
    // a first layer's dx (M = C = 1): 32-row blocks, 4 x 4 per invocation to reach 264 workgroups
    expect(pickConvTiles('grad_input', 1, 64 * 784, 800)).toMatchObject({ wgX: 32, wgY: 8, regM: 4, regN: 4 });
    expect(pickConvTiles('forward', 200, 1 << 20, 576)).toMatchObject({ wgX: 16, wgY: 16, regM: 8, regN: 4 });
    // grad_weight: 8 x 8 per invocation, the block as wide as C*KH*KW needs
    expect(pickConvTiles('grad_weight', 64, 576, 1 << 18)).toMatchObject({ wgX: 16, wgY: 8, regM: 8, regN: 8, tileK: 8 });
    expect(pickConvTiles('grad_weight', 32, 25, 1 << 16)).toMatchObject({ wgX: 8, wgY: 8, regM: 4, regN: 4, tileK: 16 });
  });

  it('splits grad_weight K to reach about 512 workgroups, in whole K steps', () => {
    // x[256, 64, 32, 32], w[64, 64, 3, 3]: M 64, N 576, K 262144: 5 blocks, so about 103 splits
    const t = pickConvTiles('grad_weight', 64, 576, 256 * 32 * 32);
    expect(t.kPerSplit % t.tileK).toBe(0);
    expect(t.splits * t.kPerSplit).toBeGreaterThanOrEqual(256 * 32 * 32);
    expect(t.splits * 5).toBeGreaterThanOrEqual(512);
    // a short K is not split below 8 steps per workgroup
    expect(pickConvTiles('grad_weight', 8, 9, 100).splits).toBe(1);
  });
});
