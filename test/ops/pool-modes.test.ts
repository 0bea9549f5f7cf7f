import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import { poolModesRef } from '../reference/pool';

beforeAll(setup);

type P2 = [number, number];
// Odd sizes where ceil mode adds a clipped last window (7 with kernel 2, stride 2), drops one that would start
// in the right padding (PyTorch's rule), and padding with countIncludePad off.
const cases: Array<{ x: number[]; k: P2; s: P2; p: P2; ceil: boolean; include?: boolean }> = [
  { x: [2, 3, 7, 5], k: [2, 2], s: [2, 2], p: [0, 0], ceil: true },
  { x: [1, 2, 7, 6], k: [3, 3], s: [2, 2], p: [1, 1], ceil: true },
  { x: [1, 2, 5, 5], k: [2, 2], s: [2, 2], p: [1, 1], ceil: true },
  { x: [1, 2, 6, 7], k: [3, 2], s: [2, 3], p: [1, 0], ceil: false, include: false },
  { x: [2, 1, 7, 7], k: [3, 3], s: [2, 2], p: [1, 1], ceil: true, include: false },
];

it.each(cases)('maxPool2d $x kernel $k stride $s padding $p ceilMode $ceil', async ({ x, k, s, p, ceil }) => {
  await checkOp({
    shapes: [x],
    ours: (t) => wc.maxPool2d(t, { kernelSize: k, stride: s, padding: p, ceilMode: ceil }),
    ref: (t) => poolModesRef(t, 'max', k, s, p, ceil),
  });
});

it.each(cases)('avgPool2d $x kernel $k stride $s padding $p ceilMode $ceil countIncludePad $include', async ({ x, k, s, p, ceil, include = true }) => {
  await checkOp({
    shapes: [x],
    ours: (t) => wc.avgPool2d(t, { kernelSize: k, stride: s, padding: p, ceilMode: ceil, countIncludePad: include }),
    ref: (t) => poolModesRef(t, 'avg', k, s, p, ceil, include),
  });
});

it('nn.MaxPool2d takes ceilMode', () => {
  expect(new wc.nn.MaxPool2d(2, { ceilMode: true }).forward(wc.zeros([1, 1, 7, 7])).shape).toEqual([1, 1, 4, 4]);
});
