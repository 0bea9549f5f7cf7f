import { empty, view, type Tensor } from '../tensor';
import { permuteKernel } from './elementwise';
import { sumAxes } from './sum';
import { runtime, type Runtime } from '../gpu/runtime';
import { record, save, needsGrad } from '../autograd/tape';
import { formatShape } from '../shape';
import { shaderConstant } from '../gpu/shaders';
import { gemmTiling, type MatmulConfig } from '../kernels/matmul-tiles';

export type { MatmulConfig } from '../kernels/matmul-tiles';

/**
 * Matrix product. a: [m, k], b: [k, n] -> [m, n].
 * dA = dy x B^T and dB = A^T x dy: the same kernel, reading the saved operand as its transpose.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`webgpu-cnn matmul: expected a: [m, k] and b: [k, n], got a: ${formatShape(a.shape)} and b: ${formatShape(b.shape)}`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = gemm(a, b, { m, n, k });
  if (!needsGrad(a, b)) return out;
  const sa = save(a);
  const sb = save(b);
  return record('matmul', out, [a, b], (dy) => [
    () => gemm(dy, sb, { m, n: k, k: n, transB: true }),
    () => gemm(sa, dy, { m: k, n, k: m, transA: true }),
  ], [sa, sb]);
}

// Measured by bench/matmul-tiles.ts (numbers in the README): CPU drivers want the barrier-free kernel.
const CPU_DEFAULT: MatmulConfig = { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4: true };
// Discrete GPUs: 128 x 128 blocks, 8 x 8 outputs per invocation, prefetch in registers. On an H200 (bench/kernels-gpu.mjs)
// matmul 4096 ran at 32.7 TFLOP/s with scalar loads and TILE_K 16, 32.2 with TILE_K 8, 29.7 with 16-byte loads.
const GPU_DEFAULT: MatmulConfig = { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 16, regM: 8, regN: 8, vec4: false };
let override: MatmulConfig | null = null;

/** Chooses the kernel shape for subsequent matmuls (benchmarks and tuning); null restores the default. */
export function setMatmulConfig(config: MatmulConfig | null): void {
  override = config;
}

export function matmulConfig(rt: Runtime = runtime()): MatmulConfig {
  return override ?? (rt.adapter.cpu ? CPU_DEFAULT : GPU_DEFAULT);
}

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** a holds A^T ([k, m]) */
  transA?: boolean;
  /** b holds B^T ([n, k]) */
  transB?: boolean;
  /** matrices in the batch, with element strides between them (0 shares one operand) */
  batch?: number;
  strideA?: number;
  strideB?: number;
  /** element offsets of matrix 0 in each operand, to work on a slice of a bigger tensor */
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  /** sum the batch's products into one [m, n] result instead of keeping one per matrix */
  sumBatch?: boolean;
  /** internal to sumBatch: sum groups of this many matrices, one [m, n] result per group */
  groupSize?: number;
  /** row strides of A and B as stored, when an operand is a column slice of a wider matrix */
  lda?: number;
  ldb?: number;
  /** write into this tensor instead of a new [batch?, m, n] one */
  out?: Tensor;
  /** fused epilogue: a bias per row of C ([m]) or per column ([n]), then an optional ReLU */
  bias?: { tensor: Tensor; per: 'row' | 'column' };
  relu?: boolean;
}

const MAX_EXPLICIT_TRANSPOSE = 1 << 22;
/** enough 4x4 blocks to keep a CPU adapter's cores (and a GPU's many more) busy */
const SUM_BATCH_INVOCATIONS = 2048;

/** The rows x cols matrix stored at `offset` in t, transposed into a new [cols, rows] tensor. */
function transposed(t: Tensor, offset: number, rows: number, cols: number): Tensor {
  const m = offset === 0 && t.size === rows * cols ? t : null;
  if (!m) {
    // A slice of a bigger tensor: copy it out first (rare: batched operands are not transposed this way).
    const slice = empty([rows, cols]);
    runtime().batch.copy(t.buffer, slice.buffer, rows * cols * 4, offset * 4, 0);
    const out = permuteKernel(slice, [1, 0]);
    slice.dispose();
    return out;
  }
  const v = view(t, [rows, cols]);
  const out = permuteKernel(v, [1, 0]);
  v.dispose();
  return out;
}

/** @internal C = A x B for each matrix of a batch, into a new [batch?, m, n] tensor (or `s.out`). No autograd. */
export function gemm(a: Tensor, b: Tensor, s: GemmShape): Tensor {
  // Reading a transposed operand is a strided gather in the inner loop; when the operand is one matrix (shared
  // by the whole batch), transposing it once costs far less than the product and unlocks the fast path.
  const single = (stride: number | undefined) => (s.batch ?? 1) === 1 || stride === 0;
  if (s.transA && s.lda === undefined && single(s.strideA) && s.m * s.k <= MAX_EXPLICIT_TRANSPOSE) {
    const at = transposed(a, s.offsetA ?? 0, s.k, s.m);
    const out = gemm(at, b, { ...s, transA: false, offsetA: 0, strideA: s.strideA === 0 ? 0 : s.m * s.k });
    at.dispose();
    return out;
  }
  if (s.transB && s.ldb === undefined && single(s.strideB) && s.k * s.n <= MAX_EXPLICIT_TRANSPOSE) {
    const bt = transposed(b, s.offsetB ?? 0, s.n, s.k);
    const out = gemm(a, bt, { ...s, transB: false, offsetB: 0, strideB: s.strideB === 0 ? 0 : s.k * s.n });
    bt.dispose();
    return out;
  }
  const rt = runtime();
  const batch = s.batch ?? 1;
  // Summing a batch inside each invocation leaves few invocations when C is small: split the batch into
  // groups that each sum their share into their own C, then add the groups' results.
  const blocks = Math.ceil(s.m / 4) * Math.ceil(s.n / 4);
  const groups = s.sumBatch ? Math.max(1, Math.min(batch, Math.floor(SUM_BATCH_INVOCATIONS / blocks))) : 1;
  const perGroup = Math.ceil(batch / groups);
  const usedGroups = Math.ceil(batch / perGroup);
  if (usedGroups > 1) {
    const partials = gemm(a, b, { ...s, out: undefined, offsetC: 0, sumBatch: false, groupSize: perGroup });
    const total = sumAxes(partials, [0], false);
    partials.dispose();
    if (!s.out) return total;
    runtime().batch.copy(total.buffer, s.out.buffer, s.m * s.n * 4, 0, (s.offsetC ?? 0) * 4);
    total.dispose();
    return s.out;
  }
  const grouped = s.groupSize;
  const zCount = grouped ? Math.ceil(batch / grouped) : s.sumBatch ? 1 : batch;
  const out = s.out ?? empty(zCount === 1 ? [s.m, s.n] : [zCount, s.m, s.n]);
  const [offsetA, offsetB, offsetC] = [s.offsetA ?? 0, s.offsetB ?? 0, s.offsetC ?? 0];
  const cfg = matmulConfig(rt);
  // 16-byte loads need 4-aligned rows, untransposed operands and 4-aligned batch offsets.
  const strideA = s.strideA ?? s.m * s.k;
  const strideB = s.strideB ?? s.k * s.n;
  const lda = s.lda ?? (s.transA ? s.m : s.k);
  const ldb = s.ldb ?? (s.transB ? s.k : s.n);
  const aligned = [strideA, strideB, offsetA, offsetB, offsetC, lda, ldb].every((v) => v % 4 === 0);
  const vec4 = cfg.vec4 && aligned && !s.transA && !s.transB && s.k % 4 === 0 && s.n % 4 === 0;
  const tiling = gemmTiling(cfg, s.m, s.n);
  const constants: Record<string, number | boolean> = {
    ...tiling.constants,
    BIAS: shaderConstant('matmul', !s.bias ? 'NO_BIAS' : s.bias.per === 'row' ? 'BIAS_PER_ROW' : 'BIAS_PER_COLUMN'),
    RELU: !!s.relu,
    SUM_BATCH: !!s.sumBatch || !!grouped,
  };
  if (!vec4) Object.assign(constants, { TRANS_A: !!s.transA, TRANS_B: !!s.transB });
  rt.launch({
    shader: vec4 ? 'matmul_vec4' : 'matmul',
    entry: cfg.entry,
    constants,
    bindings: { a: a.buffer, b: b.buffer, c: out.buffer, bias: s.bias?.tensor.buffer ?? rt.placeholder },
    params: {
      M: s.m,
      N: s.n,
      K: s.k,
      batchStrideA: strideA,
      batchStrideB: strideB,
      batchStrideC: s.m * s.n,
      offsetA,
      offsetB,
      offsetC,
      lda,
      ldb,
      batch,
      batchPerGroup: grouped ?? batch,
    },
    workgroups: [...tiling.workgroups, zCount],
  });
  return out;
}
