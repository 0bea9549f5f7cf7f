import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { adaptiveAvgPool2dRef, upsampleRef } from '../reference/resample';

beforeAll(setup);

type Case = { x: number[]; size?: [number, number]; scaleFactor?: [number, number]; mode: 'nearest' | 'bilinear'; alignCorners?: boolean };
const sizeOf = (c: Case): [number, number] => c.size ?? [Math.floor(c.x[2] * c.scaleFactor![0]), Math.floor(c.x[3] * c.scaleFactor![1])];

// Odd sizes, up and down, bilinear with and without alignCorners, fractional scale factors.
it.each<Case>([
  { x: [2, 3, 5, 4], scaleFactor: [2, 2], mode: 'nearest' },
  { x: [1, 2, 5, 3], size: [7, 8], mode: 'nearest' },
  { x: [1, 2, 7, 6], size: [4, 3], mode: 'nearest' },
  { x: [2, 3, 5, 4], scaleFactor: [2, 2], mode: 'bilinear' },
  { x: [2, 3, 5, 4], scaleFactor: [2, 2], mode: 'bilinear', alignCorners: true },
  { x: [1, 2, 5, 3], size: [7, 8], mode: 'bilinear' },
  { x: [1, 2, 5, 3], size: [7, 8], mode: 'bilinear', alignCorners: true },
  { x: [1, 2, 7, 6], size: [4, 1], mode: 'bilinear', alignCorners: true },
  { x: [1, 1, 6, 5], scaleFactor: [1.5, 0.6], mode: 'bilinear' },
])('upsample $x $mode size $size scale $scaleFactor alignCorners $alignCorners', async (c) => {
  await checkOp({
    shapes: [c.x],
    ours: (x) => wc.upsample(x, { size: c.size, scaleFactor: c.scaleFactor, mode: c.mode, alignCorners: c.alignCorners }),
    ref: (x) => upsampleRef(x, sizeOf(c), c.mode, !!c.alignCorners, c.scaleFactor),
  });
});

it.each<[number[], [number, number]]>([
  [[2, 3, 7, 5], [3, 2]],
  [[1, 2, 6, 6], [1, 1]],
  [[1, 2, 5, 7], [5, 4]],
  [[2, 1, 4, 6], [2, 3]],
])('adaptiveAvgPool2d %j to %j', async (x, out) => {
  await checkOp({ shapes: [x], ours: (t) => wc.adaptiveAvgPool2d(t, out), ref: (t) => adaptiveAvgPool2dRef(t, out) });
});

it('modules, and clear errors', () => {
  const x = wc.zeros([1, 2, 4, 6]);
  expect(new wc.nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(x).shape).toEqual([1, 2, 8, 12]);
  expect(new wc.nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([1, 2, 1, 1]);
  expect(() => wc.upsample(x, { mode: 'nearest' })).toThrow(/upsample: give exactly one of size and scaleFactor/);
  expect(() => wc.upsample(x, { size: 3, mode: 'nearest', alignCorners: true })).toThrow(/alignCorners applies to bilinear mode only/);
});
