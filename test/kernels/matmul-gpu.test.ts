import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { gemmRef, type GemmRefShape } from '../reference/matmul';
import { randomArray } from '../reference/array';
import { gemm } from '../../src/kernels/matmul';
import { gemmTiling } from '../../src/kernels/matmul-tiles';

// The discrete-GPU GEMM (matmul.wgsl's register_tiled), and the CPU adapters' blocked one, forced on whatever
// adapter runs the tests, against a float64 reference of the same strided, batched, transposed product.

beforeAll(setup);
afterEach(() => wc.setMatmulConfig(null));

const configs: wc.MatmulConfig[] = [
  // the GPU default: 128 x 128 blocks, 8 x 8 per invocation, scalar loads
  { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 16, regM: 8, regN: 8, vec4: false },
  // 32 x 64 blocks, 4 x 8 per invocation, deeper K slabs, scalar loads only
  { entry: 'register_tiled', wgX: 8, wgY: 8, tileK: 16, regM: 4, regN: 8, vec4: false },
  // 64 x 32 blocks, 8 x 4 per invocation, fewer pieces than invocations per step
  { entry: 'register_tiled', wgX: 8, wgY: 8, tileK: 4, regM: 8, regN: 4, vec4: true },
];

type Case = GemmRefShape & { name: string; bias?: undefined; biasPer?: 'row' | 'column' };

const cases: Case[] = [
  { name: '1x1x1', m: 1, n: 1, k: 1 },
  { name: '7x7x7', m: 7, n: 7, k: 7 },
  { name: '13x13x13', m: 13, n: 13, k: 13 },
  { name: '65x65x65', m: 65, n: 65, k: 65 },
  { name: '130x67x33 (m x k x n)', m: 130, k: 67, n: 33 },
  { name: '33x20x68, 16-byte loads', m: 33, k: 20, n: 68 },
  { name: 'A transposed', m: 13, k: 9, n: 7, transA: true, lda: 13 },
  { name: 'B transposed', m: 7, k: 13, n: 9, transB: true, ldb: 13 },
  { name: 'both transposed, column slices', m: 5, k: 11, n: 6, transA: true, lda: 8, transB: true, ldb: 12 },
  { name: 'bias per row + ReLU', m: 9, k: 17, n: 12, biasPer: 'row', relu: true },
  { name: 'bias per column + ReLU', m: 10, k: 8, n: 11, biasPer: 'column', relu: true },
  { name: 'batch 3, A shared (stride 0), offsets', m: 6, k: 5, n: 7, batch: 3, strideA: 0, offsetA: 3, offsetB: 2 },
  { name: 'sumBatch over 5', m: 5, k: 7, n: 6, batch: 5, sumBatch: true },
  { name: 'sumBatch, big K, multi-tile', m: 70, k: 40, n: 36, batch: 3, sumBatch: true },
  // blocked lays such a batch side by side (FOLD_BATCH): 4 x 12 columns, 16-byte loads where aligned
  { name: 'batch 4 of 12 columns, A shared, bias per row + ReLU', m: 7, k: 8, n: 12, batch: 4, strideA: 0, offsetB: 4, biasPer: 'row', relu: true },
  { name: 'batch 5 of 8 columns, odd K', m: 9, k: 13, n: 8, batch: 5 },
];

// The CPU adapters' barrier-free kernel through the same cases.
const blockedConfigs: wc.MatmulConfig[] = [
  { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4: true },
  { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4: false },
];

function bufferSize(rows: number, ld: number, cols: number): number {
  return (rows - 1) * ld + cols;
}

describe.each([...configs, ...blockedConfigs])('$entry $wgX x $wgY, reg $regM x $regN, tileK $tileK, vec4 $vec4', (config) => {
  it.each(cases)('$name', async (c) => {
    wc.setMatmulConfig(config);
    const batch = c.batch ?? 1;
    const lda = c.lda ?? (c.transA ? c.m : c.k);
    const ldb = c.ldb ?? (c.transB ? c.k : c.n);
    const oneA = c.transA ? bufferSize(c.k, lda, c.m) : bufferSize(c.m, lda, c.k);
    const oneB = c.transB ? bufferSize(c.n, ldb, c.k) : bufferSize(c.k, ldb, c.n);
    const strideA = c.strideA ?? (c.batch ? oneA : undefined);
    const strideB = c.strideB ?? (c.batch ? oneB : undefined);
    const sizeA = (c.offsetA ?? 0) + (batch - 1) * (strideA ?? 0) + oneA;
    const sizeB = (c.offsetB ?? 0) + (batch - 1) * (strideB ?? 0) + oneB;
    const a = randomArray([sizeA], 1);
    const b = randomArray([sizeB], 2);
    const bias = c.biasPer ? randomArray([c.biasPer === 'row' ? c.m : c.n], 3) : null;
    const shape = { ...c, strideA, strideB, bias: bias ? { data: bias.data, per: c.biasPer! } : undefined };
    const expected = gemmRef(a.data, b.data, shape);

    const ta = wc.tensor(Float32Array.from(a.data), [sizeA]);
    const tb = wc.tensor(Float32Array.from(b.data), [sizeB]);
    const tbias = bias ? wc.tensor(Float32Array.from(bias.data), bias.shape) : null;
    const out = gemm(ta, tb, { ...shape, bias: c.biasPer }, { bias: tbias });
    expectClose(await out.data(), expected, { rtol: 1e-5, atol: 1e-5 });
    [ta, tb, tbias, out].forEach((t) => t?.dispose());
  });
});

it('matmul forward and gradients run through register_tiled', async () => {
  wc.setMatmulConfig(configs[0]);
  const a = randomArray([19, 23], 5);
  const b = randomArray([23, 17], 6);
  const ta = wc.tensor(Float32Array.from(a.data), a.shape, { requiresGrad: true });
  const tb = wc.tensor(Float32Array.from(b.data), b.shape, { requiresGrad: true });
  const y = wc.matmul(ta, tb);
  expectClose(await y.data(), gemmRef(a.data, b.data, { m: 19, k: 23, n: 17 }), { rtol: 1e-5, atol: 1e-5 });
  wc.sum(y).backward();
  // d sum(AB)/dA = 1 B^T: row sums of B; d/dB = A^T 1: column sums of A
  const rowSums = Array.from({ length: 23 }, (_, p) => b.data.slice(p * 17, p * 17 + 17).reduce((s, v) => s + v, 0));
  const colSums = Array.from({ length: 23 }, (_, p) => Array.from({ length: 19 }, (_, i) => a.data[i * 23 + p]).reduce((s, v) => s + v, 0));
  expectClose(await ta.grad!.data(), Array.from({ length: 19 * 23 }, (_, x) => rowSums[x % 23]), { rtol: 1e-5, atol: 1e-5 });
  expectClose(await tb.grad!.data(), Array.from({ length: 23 * 17 }, (_, x) => colSums[Math.floor(x / 17)]), { rtol: 1e-5, atol: 1e-5 });
  [ta, tb, y].forEach((t) => t.dispose());
});

it('gemmTiling sizes the grid by the register block and rejects configs the kernel cannot run', () => {
  const t = gemmTiling(configs[0], 130, 33);
  expect(t.constants).toEqual({ WG_X: 16, WG_Y: 16, TILE_K: 16, REG_M: 8, REG_N: 8 });
  expect([t.blockM, t.blockN, ...t.workgroups]).toEqual([128, 128, 1, 2]);
  expect(() => gemmTiling({ ...configs[0], regM: 6 }, 8, 8)).toThrow(/regM, regN in \{4, 8\}/);
  expect(() => gemmTiling({ ...configs[0], tileK: 48 }, 8, 8)).toThrow(/vec4 loads per invocation/);
});
