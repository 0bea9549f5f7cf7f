/** GEMM plans are data: what runs for a product is decided, and checked here, without a GPU. */
import { expect, it } from 'vitest';
import { CPU_MATMUL, GPU_MATMUL, planGemm } from '../../src/kernels/matmul-plan';

it('a plain product with aligned shapes is one vec4 dispatch, the grid covering C in workgroup blocks', () => {
  const tiled = { entry: 'tiled', wgX: 16, wgY: 16, tileK: 16, vec4: true } as const;
  const plan = planGemm({ m: 64, n: 128, k: 32 }, tiled);
  expect(plan.transposes).toEqual([]);
  expect(plan.shader).toBe('matmul_vec4');
  expect(plan.entry).toBe('tiled');
  expect(plan.workgroups).toEqual([128 / 64, 64 / 64, 1]);
  expect(plan.outShape).toEqual([64, 128]);
  expect(plan.groups).toBe(1);
  expect(plan.constants.TILE_K).toBe(16);
  // the GPU default: 128 x 128 blocks of 8 x 8 per invocation, scalar loads (faster on an H200)
  const gpu = planGemm({ m: 300, n: 130, k: 32 }, GPU_MATMUL);
  expect(gpu.entry).toBe('register_tiled');
  expect(gpu.shader).toBe('matmul');
  expect(gpu.constants).toMatchObject({ REG_M: 8, REG_N: 8, TILE_K: 16 });
  expect(gpu.workgroups).toEqual([2, 3, 1]);
});

it('odd shapes fall back to scalar loads', () => {
  const plan = planGemm({ m: 7, n: 13, k: 65 }, CPU_MATMUL);
  expect(plan.shader).toBe('matmul');
  expect(plan.constants).toMatchObject({ TRANS_A: false, TRANS_B: false });
});

it('a shared transposed operand is copied once; a batched one is read in place', () => {
  const shared = planGemm({ m: 8, n: 8, k: 8, transA: true, batch: 3, strideA: 0, offsetA: 4 }, CPU_MATMUL);
  expect(shared.transposes).toEqual([{ operand: 'a', rows: 8, cols: 8, offset: 4 }]);
  expect(shared.shader).toBe('matmul_vec4');
  expect(shared.params).toMatchObject({ offsetA: 0, batchStrideA: 0, lda: 8 });
  const batched = planGemm({ m: 8, n: 8, k: 8, transB: true, batch: 3 }, CPU_MATMUL);
  expect(batched.transposes).toEqual([]);
  expect(batched.constants).toMatchObject({ TRANS_B: true });
  expect(batched.outShape).toEqual([3, 8, 8]);
  // a column slice (lda given) is never copied out
  expect(planGemm({ m: 8, n: 8, k: 8, transA: true, lda: 20 }, CPU_MATMUL).transposes).toEqual([]);
});

it('a batch-summing product over a small C is split into groups that are added afterwards', () => {
  const plan = planGemm({ m: 8, n: 8, k: 16, batch: 1000, sumBatch: true, offsetC: 12 }, CPU_MATMUL);
  // 4 blocks of 4x4 in C: 2048 / 4 = 512 groups wanted, 1000 / 512 -> 2 per group -> 500 groups
  expect(plan.groups).toBe(500);
  expect(plan.params.batchPerGroup).toBe(2);
  expect(plan.workgroups[2]).toBe(500);
  expect(plan.outShape).toEqual([500, 8, 8]);
  expect(plan.params.offsetC).toBe(0); // partial sums go to a fresh tensor; the caller's offset applies after
  expect(plan.offsetC).toBe(12);
  const big = planGemm({ m: 256, n: 256, k: 16, batch: 10, sumBatch: true }, CPU_MATMUL);
  expect(big.groups).toBe(1);
  expect(big.params.batchPerGroup).toBe(10);
  expect(big.outShape).toEqual([256, 256]);
});

it('the epilogue and the blocked workgroup shrink are in the plan', () => {
  const plan = planGemm({ m: 6, n: 100, k: 9, bias: 'row', relu: true }, CPU_MATMUL);
  expect(plan.constants).toMatchObject({ RELU: true, WG_Y: 2, WG_X: 32 });
  expect(plan.constants.BIAS).not.toBe(planGemm({ m: 6, n: 100, k: 9 }, CPU_MATMUL).constants.BIAS);
  expect(plan.workgroups).toEqual([Math.ceil(100 / 128), Math.ceil(6 / 8), 1]);
});
