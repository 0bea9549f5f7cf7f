import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { conv2dGradsRef, conv2dRef } from '../reference/conv';
import { randomArray, type NdArray } from '../reference/array';
import {
  convCandidates, convForward, convGeometry, convGradInput, convGradWeight, setConvAlgorithm, setConvTiles,
  TILE_SETS, type ConvKernel,
} from '../../src/kernels/conv';
import { convPhase } from '../../src/kernels/conv-geometry';

// Every convolution variant the autotuner may choose, pinned through its override (wc.tuning.force) and held
// against the float64 references on odd shapes: batch 1 and 3, 1/3/7 channels, 13x13 and 7x5 images, 1x1, 3x3,
// 5x5 and 3x2 kernels, strides 2 and 3 (the phase decomposition, with phases that no tap reaches), padding,
// dilation 2 and groups, and Winograd for stride-1 layers of 8 channels or more.

beforeAll(async () => {
  await setup();
  setConvAlgorithm('implicit');
});
afterEach(() => ['forward', 'grad_input', 'grad_weight'].forEach((k) => wc.tuning.force(`conv.${k}`, null)));
afterAll(() => setConvAlgorithm(null));

type Pair = [number, number];
type Case = { x: number[]; w: number[]; stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number; winograd?: boolean };

const cases: Case[] = [
  { x: [3, 1, 7, 5], w: [3, 1, 5, 5], padding: [2, 2] },
  { x: [1, 3, 13, 13], w: [7, 3, 3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [3, 7, 13, 13], w: [5, 7, 1, 1], stride: [2, 2] },
  { x: [1, 3, 13, 13], w: [4, 3, 3, 2], stride: [3, 2], padding: [1, 1] },
  { x: [3, 3, 13, 13], w: [4, 3, 3, 3], stride: [2, 2], padding: [2, 1], dilation: [2, 2] },
  { x: [3, 6, 7, 5], w: [9, 2, 5, 5], stride: [2, 2], padding: [2, 2], groups: 3 },
  // 8 channels or more a side, stride 1: Winograd is a candidate of forward and grad_input
  { x: [2, 9, 11, 7], w: [8, 9, 3, 3], padding: [1, 1], winograd: true },
  { x: [1, 8, 9, 10], w: [10, 8, 5, 5], padding: [2, 1], winograd: true },
];

const run: Record<ConvKernel, (t: Record<'x' | 'w' | 'dy', wc.Tensor>, g: ReturnType<typeof convGeometry>) => wc.Tensor> = {
  forward: (t, g) => convForward(t.x, t.w, null, g, false),
  grad_input: (t, g) => convGradInput(t.dy, t.w, g),
  grad_weight: (t, g) => convGradWeight(t.dy, t.x, g),
};

describe.each(cases)('x $x w $w stride $stride padding $padding dilation $dilation groups $groups', (c) => {
  it('runs every candidate of every direction correctly', async () => {
    const { stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1 } = c;
    const x = randomArray(c.x, 1);
    const w = randomArray(c.w, 2);
    const out = conv2dRef(x, w, null, stride, padding, dilation, groups);
    const dy = randomArray(out.shape, 3);
    const { dx, dw } = conv2dGradsRef(x, w, dy, stride, padding, dilation, groups);
    const expected: Record<ConvKernel, NdArray> = { forward: out, grad_input: dx, grad_weight: dw };
    const g = convGeometry(c.x, c.w, { stride, padding, dilation, groups });
    const t = (a: NdArray) => wc.tensor(Float32Array.from(a.data), a.shape);
    const tensors = { x: t(x), w: t(w), dy: t(dy) };
    for (const kind of ['forward', 'grad_input', 'grad_weight'] as const) {
      const names = convCandidates(kind, g).map((v) => v.name);
      if (kind === 'grad_input' && (g.SH > 1 || g.SW > 1)) expect(names).toContain('phases');
      if (kind !== 'grad_weight') expect(names.includes('winograd')).toBe(!!c.winograd);
      for (const name of names) {
        wc.tuning.force(`conv.${kind}`, name);
        const result = run[kind](tensors, g);
        expect(wc.tuning.lastVariant(`conv.${kind}`)).toBe(name);
        expectClose(await result.data(), expected[kind].data, { rtol: 1e-4, atol: 1e-4 }, `${kind} "${name}"`);
        result.dispose();
      }
    }
    Object.values(tensors).forEach((v) => v.dispose());
  });
});

it('runs every tile set the tuner may offer (some only for big GEMMs) in every direction', async () => {
  const c = { x: [3, 7, 13, 13], w: [5, 7, 3, 2], stride: [2, 1] as Pair, padding: [1, 1] as Pair };
  const x = randomArray(c.x, 4);
  const w = randomArray(c.w, 5);
  const out = conv2dRef(x, w, null, c.stride, c.padding);
  const dy = randomArray(out.shape, 6);
  const { dx, dw } = conv2dGradsRef(x, w, dy, c.stride, c.padding);
  const expected: Record<ConvKernel, NdArray> = { forward: out, grad_input: dx, grad_weight: dw };
  const g = convGeometry(c.x, c.w, c);
  const t = (a: NdArray) => wc.tensor(Float32Array.from(a.data), a.shape);
  const tensors = { x: t(x), w: t(w), dy: t(dy) };
  try {
    for (const [name, { when: _, ...tiles }] of Object.entries(TILE_SETS)) {
      setConvTiles(tiles);
      for (const kind of ['forward', 'grad_input', 'grad_weight'] as const) {
        const result = run[kind](tensors, g);
        expectClose(await result.data(), expected[kind].data, { rtol: 1e-4, atol: 1e-4 }, `${kind} with ${name}`);
        result.dispose();
      }
    }
  } finally {
    setConvTiles(null);
    Object.values(tensors).forEach((v) => v.dispose());
  }
});

describe('convPhase', () => {
  it('finds the taps of each output phase (stride 2, padding 1, 3 taps)', () => {
    // even rows h = 2h' meet tap 1 only, from dy row h'; odd rows meet taps 0 and 2, from dy rows h' + 1 and h'
    expect(convPhase(0, 2, 1, 1, 3, 13)).toMatchObject({ count: 7, i0: 1, step: 2, taps: 1, base: 0, dyStep: 1 });
    expect(convPhase(1, 2, 1, 1, 3, 13)).toMatchObject({ count: 6, i0: 0, step: 2, taps: 2, base: 1, dyStep: 1 });
  });
  it('gives a phase no taps when the dilation skips it', () => {
    // stride 2, dilation 2, padding 0: taps land on even rows only
    expect(convPhase(1, 2, 0, 2, 3, 9).taps).toBe(0);
    expect(convPhase(0, 2, 0, 2, 3, 9)).toMatchObject({ taps: 3, step: 1, dyStep: 1 });
  });
});
