/**
 * How a GEMM runs, decided as data before anything is dispatched: which operands get a transposed copy first,
 * which shader variant and entry point, their override constants and uniform values, the grid, and whether a
 * batch-summing product is split into groups that are added up afterwards. `planGemm` is pure (no device),
 * so tests check the decisions without a GPU and a tuner can compare plans; `runGemm` in matmul.ts runs one.
 */
import { shaderConstants } from '../gpu/shaders';
import { gemmTiling, type MatmulConfig } from './matmul-tiles';
import { MAX_CANDIDATES } from './tuning';

export type { MatmulConfig } from './matmul-tiles';

// Measured by bench/matmul-tiles.mjs (numbers in the README): CPU drivers want the barrier-free kernel.
export const CPU_MATMUL: MatmulConfig = { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4: true };
// Discrete GPUs: 128 x 128 blocks, 8 x 8 outputs per invocation, prefetch in registers. On an H200 (bench/kernels-gpu.mjs)
// matmul 4096 ran at 32.7 TFLOP/s with scalar loads and TILE_K 16, 32.2 with TILE_K 8, 29.7 with 16-byte loads.
export const GPU_MATMUL: MatmulConfig = { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 16, regM: 8, regN: 8, vec4: false };

const registerTiled = (wgX: number, wgY: number, tileK: number, vec4: boolean, reg = 8): MatmulConfig =>
  ({ entry: 'register_tiled', wgX, wgY, tileK, regM: reg, regN: reg, vec4 });

/**
 * What the autotuner (tuning.ts) times for a GEMM on a GPU, the default first: the register_tiled shapes of the
 * H200 sweep (bench/results/kernels-gpu-h200.txt), then 64 x 64 blocks for products too small to fill the GPU
 * with 128 x 128 ones.
 */
export const GPU_MATMUL_CANDIDATES: ReadonlyArray<{ name: string; config: MatmulConfig }> = [
  { name: '16x16 k16', config: GPU_MATMUL },
  { name: '16x16 k8', config: registerTiled(16, 16, 8, false) },
  { name: '16x16 k8 vec4', config: registerTiled(16, 16, 8, true) },
  { name: '16x16 k16 vec4', config: registerTiled(16, 16, 16, true) },
  { name: '32x8 k8', config: registerTiled(32, 8, 8, false) },
  { name: '16x16 r4 k16', config: registerTiled(16, 16, 16, false, 4) },
  { name: '8x32 k8', config: registerTiled(8, 32, 8, false) },
];

/** workgroups below which 128 x 128 blocks leave much of a large GPU idle (2 per SM of an H200) */
const FEW_WORKGROUPS = 264;

/**
 * The candidates worth timing for `problem`, the adapter's default first: vec4 ones only where the operands
 * allow 16-byte loads (elsewhere they would run the scalar kernel again), small blocks only for small products.
 */
export function matmulCandidates(problem: GemmProblem, cpu: boolean): Array<{ name: string; config: MatmulConfig }> {
  const blocks = Math.ceil(problem.m / 128) * Math.ceil(problem.n / 128) * (problem.sumBatch ? 1 : problem.batch ?? 1);
  const list = GPU_MATMUL_CANDIDATES.filter(({ config }) =>
    (!config.vec4 || planGemm(problem, config).shader === 'matmul_vec4') && (config.regM !== 4 || blocks < FEW_WORKGROUPS));
  return (cpu ? [{ name: 'blocked', config: CPU_MATMUL }, ...list] : [...list]).slice(0, MAX_CANDIDATES);
}

/** The shape class the tuner keys a GEMM by: sizes rounded up to powers of two, and the layout flags. */
export function matmulShapeClass(p: GemmProblem): string {
  const b = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(v, 1)));
  const flags = [p.transA && 'tA', p.transB && 'tB', p.sumBatch && 'sum', (p.batch ?? 1) > 1 && `b${b(p.batch!)}`,
    p.k % 4 === 0 && p.n % 4 === 0 && 'x4'].filter((f) => f);
  return [`m${b(p.m)} n${b(p.n)} k${b(p.k)}`, ...flags].join(' ');
}

/** C = A x B for each matrix of a batch; every field but m, n, k is optional. */
export interface GemmProblem {
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
  /** element offsets of matrix 0 in each operand and in C, to work on a slice of a bigger tensor */
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  /** sum the batch's products into one [m, n] result instead of keeping one per matrix */
  sumBatch?: boolean;
  /** row strides of A and B as stored, when an operand is a column slice of a wider matrix */
  lda?: number;
  ldb?: number;
  /** fused epilogue: a bias per row of C ([m]) or per column ([n]), then an optional ReLU */
  bias?: 'row' | 'column';
  relu?: boolean;
}

/** A transposed copy of the rows x cols matrix at element `offset` of an operand, made before the product. */
export interface TransposeStep {
  operand: 'a' | 'b';
  rows: number;
  cols: number;
  offset: number;
}

export interface GemmPlan {
  transposes: TransposeStep[];
  shader: 'matmul' | 'matmul_vec4';
  entry: MatmulConfig['entry'];
  constants: Record<string, number | boolean>;
  /** the kernel's Params uniform */
  params: Record<string, number>;
  workgroups: [number, number, number];
  /** shape of a new product tensor: [m, n], or [z, m, n] for a batch kept apart or summed in groups */
  outShape: number[];
  /** > 1: the product writes one partial sum per group of the batch, and the groups are then added up */
  groups: number;
  /** where in the caller's output tensor C starts */
  offsetC: number;
}

/** Transposing a shared operand is worth a copy up to this many elements (beyond, the kernel reads it strided). */
const MAX_EXPLICIT_TRANSPOSE = 1 << 22;
/** enough 4x4 blocks to keep a CPU adapter's cores (and a GPU's many more) busy */
const SUM_BATCH_INVOCATIONS = 2048;

const BIAS = shaderConstants('matmul', ['NO_BIAS', 'BIAS_PER_ROW', 'BIAS_PER_COLUMN']);

export function planGemm(problem: GemmProblem, config: MatmulConfig): GemmPlan {
  // A transposed copy is a dispatch of its own: made only where it unlocks the 16-byte loads.
  const copied = withTransposedCopies(problem);
  const { s, transposes } = takesVec4(copied.s, config) ? copied : { s: problem, transposes: [] };
  const batch = s.batch ?? 1;
  // Summing a batch inside each invocation leaves few invocations when C is small: split the batch into
  // groups that each sum their share into their own C, then add the groups' results.
  const blocks = Math.ceil(s.m / 4) * Math.ceil(s.n / 4);
  const wantedGroups = s.sumBatch ? Math.max(1, Math.min(batch, Math.floor(SUM_BATCH_INVOCATIONS / blocks))) : 1;
  const perGroup = Math.ceil(batch / wantedGroups);
  const groups = Math.ceil(batch / perGroup);
  const zCount = s.sumBatch ? groups : batch;

  const [offsetA, offsetB] = [s.offsetA ?? 0, s.offsetB ?? 0];
  const offsetC = groups > 1 ? 0 : s.offsetC ?? 0;
  const strideA = s.strideA ?? s.m * s.k;
  const strideB = s.strideB ?? s.k * s.n;
  const lda = s.lda ?? (s.transA ? s.m : s.k);
  const ldb = s.ldb ?? (s.transB ? s.k : s.n);
  const vec4 = takesVec4(s, config, offsetC);
  // The barrier-free kernel lays a batch of products side by side (FOLD_BATCH in matmul.wgsl) when its columns
  // come in whole groups of 4: one grid without a partly idle edge per matrix.
  const fold = config.entry === 'blocked' && !s.sumBatch && batch > 1 && s.n % 4 === 0;
  const tiling = gemmTiling(config, s.m, fold ? batch * s.n : s.n);
  const constants: Record<string, number | boolean> = {
    ...tiling.constants,
    BIAS: !s.bias ? BIAS.NO_BIAS : s.bias === 'row' ? BIAS.BIAS_PER_ROW : BIAS.BIAS_PER_COLUMN,
    RELU: !!s.relu,
    SUM_BATCH: !!s.sumBatch,
  };
  if (config.entry === 'blocked') constants.FOLD_BATCH = fold;
  if (!vec4) Object.assign(constants, { TRANS_A: !!s.transA, TRANS_B: !!s.transB });
  return {
    transposes,
    shader: vec4 ? 'matmul_vec4' : 'matmul',
    entry: config.entry,
    constants,
    params: {
      M: s.m, N: s.n, K: s.k,
      batchStrideA: strideA, batchStrideB: strideB, batchStrideC: s.m * s.n,
      offsetA, offsetB, offsetC, lda, ldb,
      batch,
      batchPerGroup: s.sumBatch ? perGroup : batch,
    },
    workgroups: [...tiling.workgroups, fold ? 1 : zCount],
    outShape: zCount === 1 ? [s.m, s.n] : [zCount, s.m, s.n],
    groups,
    offsetC: problem.offsetC ?? 0,
  };
}

/** 16-byte loads need 4-aligned rows, untransposed operands and 4-aligned batch offsets. */
function takesVec4(s: GemmProblem, config: MatmulConfig, offsetC = s.offsetC ?? 0): boolean {
  const layout = [s.strideA ?? s.m * s.k, s.strideB ?? s.k * s.n, s.offsetA ?? 0, s.offsetB ?? 0, offsetC,
    s.lda ?? (s.transA ? s.m : s.k), s.ldb ?? (s.transB ? s.k : s.n)];
  return config.vec4 && layout.every((v) => v % 4 === 0) && !s.transA && !s.transB && s.k % 4 === 0 && s.n % 4 === 0;
}

/**
 * Reading a transposed operand is a strided gather in the inner loop; when the operand is one matrix (shared
 * by the whole batch), transposing it once costs far less than the product and unlocks the vec4 path.
 */
function withTransposedCopies(problem: GemmProblem): { s: GemmProblem; transposes: TransposeStep[] } {
  let s = problem;
  const transposes: TransposeStep[] = [];
  const single = (stride: number | undefined) => (s.batch ?? 1) === 1 || stride === 0;
  if (s.transA && s.lda === undefined && single(s.strideA) && s.m * s.k <= MAX_EXPLICIT_TRANSPOSE) {
    transposes.push({ operand: 'a', rows: s.k, cols: s.m, offset: s.offsetA ?? 0 });
    s = { ...s, transA: false, offsetA: 0, strideA: s.strideA === 0 ? 0 : s.m * s.k };
  }
  if (s.transB && s.ldb === undefined && single(s.strideB) && s.k * s.n <= MAX_EXPLICIT_TRANSPOSE) {
    transposes.push({ operand: 'b', rows: s.n, cols: s.k, offset: s.offsetB ?? 0 });
    s = { ...s, transB: false, offsetB: 0, strideB: s.strideB === 0 ? 0 : s.k * s.n };
  }
  return { s, transposes };
}
