import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, expectClose, setup } from '../helpers';
import { matmulRef } from '../reference/matmul';
import { randomArray } from '../reference/array';

beforeAll(setup);
afterEach(() => wc.setMatmulConfig(null));

// [m, k, n]: ones, primes, non-multiples of the 4x4 block and of any tile, a tall-skinny and a wide-flat case.
const shapes = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 13, 5],
  [13, 1, 65],
  [65, 7, 33],
  [4, 8, 12],
  [130, 3, 2],
  [2, 129, 3],
  // K and N multiples of 4: the 16-byte-load variant
  [5, 8, 4],
  [33, 16, 20],
  [1, 4, 4],
];

const configs: wc.MatmulConfig[] = [
  { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4: true },
  { entry: 'blocked', wgX: 16, wgY: 4, tileK: 16, vec4: false },
  { entry: 'tiled', wgX: 8, wgY: 8, tileK: 16, vec4: true },
  { entry: 'tiled', wgX: 4, wgY: 16, tileK: 8, vec4: false },
];

describe.each(configs)('matmul $entry $wgX x $wgY, tileK $tileK, vec4 $vec4', (config) => {
  it.each(shapes)('[%i, %i] x [%i, ·] forward and gradients', async (m, k, n) => {
    wc.setMatmulConfig(config);
    await checkOp({
      shapes: [[m, k], [k, n]],
      ours: (a, b) => wc.matmul(a, b),
      ref: matmulRef,
      rtol: 1e-5,
      atol: 1e-5,
    });
  });
});

it('1000 x 1000 x 1000 agrees with the float64 reference to 1e-4 relative', async () => {
  const a = randomArray([1000, 1000], 11);
  const b = randomArray([1000, 1000], 12);
  const expected = matmulRef(a, b);
  const ta = wc.tensor(Float32Array.from(a.data), a.shape);
  const tb = wc.tensor(Float32Array.from(b.data), b.shape);
  const c = wc.matmul(ta, tb);
  // Entries are sums of 1000 products of magnitude < 1, of size ~18; atol covers the few near zero.
  expectClose(await c.data(), expected.data, { rtol: 1e-4, atol: 1e-4 });
  [ta, tb, c].forEach((t) => t.dispose());
});

it('rejects operands whose shapes do not chain, naming both', () => {
  const a = wc.zeros([2, 3]);
  const b = wc.zeros([4, 5]);
  expect(() => wc.matmul(a, b)).toThrow(/matmul.*\[2, 3\].*\[4, 5\]/);
  expect(() => wc.matmul(wc.zeros([6]), b)).toThrow(/matmul: expected a: \[m, k\]/);
});
