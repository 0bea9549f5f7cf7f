import { afterEach, beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { convTranspose2dRef } from '../reference/conv';

beforeAll(setup);
afterEach(() => wc.setConvAlgorithm(null));

type P2 = [number, number];
type Case = { x: number[]; w: number[]; stride?: P2; padding?: P2; outputPadding?: P2; dilation?: P2; groups?: number; bias?: boolean };

// Odd sizes; stride 2 with output padding 1 (a U-Net's upsampling), dilation 2 with stride 2, groups 3 of 6
// channels, depthwise, non-square everything.
const cases: Case[] = [
  { x: [2, 3, 5, 4], w: [3, 2, 2, 2], stride: [2, 2], bias: true },
  { x: [1, 2, 5, 3], w: [2, 3, 3, 3], stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], bias: true },
  { x: [2, 3, 4, 5], w: [3, 4, 3, 2], stride: [1, 2], padding: [1, 0], outputPadding: [0, 1] },
  { x: [1, 2, 5, 4], w: [2, 2, 3, 3], stride: [2, 2], padding: [1, 1], dilation: [2, 2], outputPadding: [1, 0], bias: true },
  { x: [2, 6, 3, 5], w: [6, 1, 3, 3], stride: [2, 1], padding: [1, 1], groups: 3, bias: true },
  { x: [1, 6, 4, 3], w: [6, 2, 2, 3], stride: [2, 2], groups: 3 },
  { x: [2, 4, 3, 3], w: [4, 1, 3, 3], padding: [1, 1], groups: 4 },
];

for (const algorithm of ['implicit', 'im2col'] as const) {
  it.each(cases)(`${algorithm}: convTranspose2d x $x w $w stride $stride outputPadding $outputPadding dilation $dilation groups $groups`, async ({ x, w, stride = [1, 1], padding = [0, 0], outputPadding = [0, 0], dilation = [1, 1], groups = 1, bias }) => {
    wc.setConvAlgorithm(algorithm);
    await checkOp({
      shapes: bias ? [x, w, [w[1] * groups]] : [x, w],
      ours: (tx, tw, tb) => wc.convTranspose2d(tx, tw, tb, { stride, padding, outputPadding, dilation, groups }),
      ref: (rx, rw, rb) => convTranspose2dRef(rx, rw, rb ?? null, stride, padding, outputPadding, dilation, groups),
      rtol: 1e-5,
      atol: 1e-5,
    });
  });
}

it('nn.ConvTranspose2d has PyTorch weight layout and output size', () => {
  const m = new wc.nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
  expect(m.weight.shape).toEqual([4, 3, 3, 3]);
  expect(m.bias!.shape).toEqual([6]);
  expect(m.forward(wc.zeros([1, 4, 5, 7])).shape).toEqual([1, 6, 10, 14]);
  expect(() => wc.convTranspose2d(wc.zeros([1, 4, 5, 5]), wc.zeros([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 })).toThrow(/convTranspose2d: outputPadding 2,2 must be smaller than the stride or the dilation/);
  expect(() => wc.convTranspose2d(wc.zeros([1, 4, 5, 5]), wc.zeros([3, 2, 3, 3]))).toThrow(/convTranspose2d: w has 3 input channels, x has 4/);
});
