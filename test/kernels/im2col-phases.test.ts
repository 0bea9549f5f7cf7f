import { afterEach, beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkConv2d, setup, type ConvCase } from '../helpers';
import { convGeometry } from '../../src/kernels/conv';
import { setIm2colLimit, stridedPhases } from '../../src/kernels/im2col';

// The patch path's strided input gradient (CPU adapters): one stride-1 convolution of dy per output phase,
// put into the phase's pixels of dx (kernels/im2col.ts, stridedPhases), held against the float64 reference and
// central differences. Odd and even sizes (phases of unequal size), uneven strides and padding, 5x5 and 1x1
// kernels, kernels narrower than the stride (phases no tap reaches stay 0), phases four pixels wide (the vec4
// scatter), chunked batches, and padding past the kernel, which falls back to col2im. 1x1 stride-1 layers take
// x as the GEMM's operand without patches; they are here too.

beforeAll(setup);
afterEach(() => setIm2colLimit(null));

type Case = ConvCase & { limit?: number };

const cases: Case[] = [
  { x: [2, 5, 9, 8], w: [4, 5, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
  { x: [1, 3, 13, 7], w: [2, 3, 5, 5], stride: [2, 3], padding: [2, 1] },
  { x: [2, 3, 7, 8], w: [3, 3, 2, 1], stride: [3, 2] },
  { x: [1, 8, 7, 6], w: [4, 8, 1, 1], stride: [2, 2], bias: true },
  { x: [1, 4, 6, 16], w: [3, 4, 3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [1, 2, 7, 6], w: [3, 2, 3, 3], stride: [2, 2], padding: [3, 1] },
  { x: [1, 8, 5, 7], w: [4, 8, 1, 1], stride: [1, 1], bias: true },
  // one image's patches for the largest phase (3 dy channels x 2 x 2 taps, 4 x 4 pixels) are 768 bytes: chunks of 2, 2 and 1
  { x: [5, 7, 8, 8], w: [3, 7, 3, 3], stride: [2, 2], padding: [1, 1], limit: 2_000 },
];

it.each(cases)('conv2d %j: input gradient by output phases', async (c) => {
  if (c.limit) setIm2colLimit(c.limit);
  await checkConv2d(c);
});

it('splits dx into phases that cover each pixel once, and leaves padding past them to col2im', () => {
  const g = convGeometry([2, 5, 9, 8], [4, 5, 3, 3], { stride: 2, padding: 1 });
  const phases = stridedPhases(g)!;
  // even rows meet tap 1 alone; odd rows taps 0 and 2; 5 even and 4 odd rows of 9, 4 and 4 columns of 8
  expect(phases.map((p) => [p.rh, p.rw, p.conv?.KH, p.conv?.KW, p.conv?.P, p.conv?.Q])).toEqual([
    [0, 0, 1, 1, 5, 4], [0, 1, 1, 2, 5, 4], [1, 0, 2, 1, 4, 4], [1, 1, 2, 2, 4, 4],
  ]);
  const covered = new Array(g.H * g.W).fill(0);
  for (const p of phases) {
    for (let i = 0; i < p.conv!.P; i++) for (let j = 0; j < p.conv!.Q; j++) covered[(p.rh + 2 * i) * g.W + p.rw + 2 * j]++;
  }
  expect(covered.every((c) => c === 1)).toBe(true);
  // a 2x1 kernel at stride [3, 2]: no tap reaches the third row of every three, nor odd columns, so 4 of 6 phases are 0
  expect(stridedPhases(convGeometry([1, 1, 7, 8], [1, 1, 2, 1], { stride: [3, 2] }))!.filter((p) => !p.conv).length).toBe(4);
  expect(stridedPhases(convGeometry([1, 2, 7, 6], [3, 2, 3, 3], { stride: 2, padding: [3, 1] }))).toBeNull();
  expect(stridedPhases(convGeometry([1, 2, 7, 6], [3, 2, 3, 3], { padding: 1 }))).toBeNull();
});

it('runs the phases instead of col2im for a strided layer', async () => {
  const x = wc.randn([2, 4, 9, 8], { seed: 1 });
  x.requiresGrad = true;
  const w = wc.randn([3, 4, 3, 3], { seed: 2 });
  const dx = async (padding: number) => {
    wc.startProfile();
    const y = wc.conv2d(x, w, null, { stride: 2, padding });
    wc.sum(y).backward();
    const kernels = (await wc.stopProfile()).map((k) => k.kernel.split('(')[0]);
    [y, x.grad!].forEach((t) => t.dispose());
    x.grad = null;
    return kernels;
  };
  const phased = await dx(1);
  expect(phased.filter((k) => k.startsWith('im2col.phase_scatter')).length).toBeGreaterThan(0);
  expect(phased).not.toContain('im2col.col2im');
  expect(await dx(3)).toContain('im2col.col2im');
  [x, w].forEach((t) => t.dispose());
});
