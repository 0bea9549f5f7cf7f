import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, expectClose, setup } from '../helpers';
import { matmulRef } from '../reference/matmul';
import { randomArray } from '../reference/array';
import { gemm } from '../../src/kernels/matmul';
import { GPU_MATMUL } from '../../src/kernels/matmul-plan';

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
  // what every real GPU runs (16 x 16 workgroups, 64 x 64 tiles); SwiftShader's default is the blocked one
  GPU_MATMUL,
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

describe('gemm, the batched kernel behind conv2d and linear', () => {
  // A batch of 3 products whose operands are stored transposed (the kernel's strided TRANS paths, which the
  // public matmul never reaches because it transposes single matrices explicitly), and a column slice (lda).
  it.each(configs)('batched transposed operands ($entry, vec4 $vec4)', async (config) => {
    wc.setMatmulConfig(config);
    const [m, k, n, batch] = [5, 7, 6, 3];
    const a = randomArray([batch, k, m], 21); // A^T per batch
    const b = randomArray([batch, n, k], 22); // B^T per batch
    const c = gemm(wc.tensor(Float32Array.from(a.data), a.shape), wc.tensor(Float32Array.from(b.data), b.shape), { m, n, k, batch, transA: true, transB: true });
    const got = await c.data();
    for (let z = 0; z < batch; z++) {
      const at = { data: new Float64Array(m * k), shape: [m, k] };
      const bt = { data: new Float64Array(k * n), shape: [k, n] };
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at.data[i * k + p] = a.data[z * k * m + p * m + i];
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt.data[p * n + j] = b.data[z * n * k + j * k + p];
      expectClose(got.subarray(z * m * n, (z + 1) * m * n), matmulRef(at, bt).data, { rtol: 1e-5, atol: 1e-5 });
    }
  });

  it.each(configs)('a column slice of a wider A through lda ($entry, vec4 $vec4)', async (config) => {
    wc.setMatmulConfig(config);
    const wide = randomArray([6, 20], 23);
    const b = randomArray([8, 4], 24);
    const c = gemm(wc.tensor(Float32Array.from(wide.data), wide.shape), wc.tensor(Float32Array.from(b.data), b.shape), { m: 6, n: 4, k: 8, offsetA: 8, lda: 20 });
    const slice = { data: new Float64Array(48), shape: [6, 8] };
    for (let i = 0; i < 6; i++) for (let p = 0; p < 8; p++) slice.data[i * 8 + p] = wide.data[i * 20 + 8 + p];
    expectClose(await c.data(), matmulRef(slice, b).data, { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('gemm summing its batch', () => {
  // The small C is computed by groups of the batch whose results are then added; the large one in one pass.
  it.each(configs.flatMap((c) => [[c, 6, 8, 12, 5], [c, 132, 4, 132, 2]] as const))('C = sum_z A[z] x B[z] (%j, m %i, k %i, n %i, batch %i)', async (config, m, k, n, batch) => {
    wc.setMatmulConfig(config);
    const a = randomArray([batch, m, k], 31);
    const b = randomArray([batch, k, n], 32);
    const c = gemm(wc.tensor(Float32Array.from(a.data), a.shape), wc.tensor(Float32Array.from(b.data), b.shape), { m, n, k, batch, sumBatch: true });
    expect(c.shape).toEqual([m, n]);
    const expected = new Float64Array(m * n);
    for (let z = 0; z < batch; z++) {
      const part = matmulRef({ data: a.data.slice(z * m * k, (z + 1) * m * k), shape: [m, k] }, { data: b.data.slice(z * k * n, (z + 1) * k * n), shape: [k, n] });
      part.data.forEach((v, i) => (expected[i] += v));
    }
    expectClose(await c.data(), expected, { rtol: 1e-5, atol: 1e-5 });
  });
});
