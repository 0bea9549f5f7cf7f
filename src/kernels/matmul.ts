/**
 * Launchers for the matmul family (shaders/matmul.wgsl with its scalar or vec4 operand piece): the adapter's
 * kernel configuration and `gemm`, which plans a product (matmul-plan.ts) and runs the plan. They record
 * nothing for autograd: matmul, linear and the convolutions are built on them.
 */
import { empty, view, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';
import { copyElements, permuteKernel } from './elementwise';
import { sumKernel } from './reduce';
import { CPU_MATMUL, GPU_MATMUL, matmulCandidates, matmulShapeClass, planGemm, type GemmPlan, type GemmProblem, type MatmulConfig, type TransposeStep } from './matmul-plan';
import { choose, remember } from './tuning';

/** each exact problem's shape class and candidates (see `remember`) */
const offers = new Map<string, { shapeClass: string; candidates: Array<{ name: string; config: MatmulConfig }> }>();

export type { GemmProblem, MatmulConfig } from './matmul-plan';

let override: MatmulConfig | null = null;

/** Chooses the kernel shape for subsequent matmuls (benchmarks and tests); null restores the adapter's default. */
export function setMatmulConfig(config: MatmulConfig | null): void {
  override = config;
  kernelChoices.changed();
}

/** The configuration in force: the override, else the barrier-free kernel on CPU adapters and the tiled one on GPUs. */
export function matmulConfig(): MatmulConfig {
  return override ?? (runtime().adapter.cpu ? CPU_MATMUL : GPU_MATMUL);
}

export interface GemmTensors {
  /** write C into this tensor (at the problem's offsetC) instead of a new one */
  out?: Tensor;
  /** the epilogue's bias, [m] or [n] as the problem's `bias` says */
  bias?: Tensor | null;
  /** sumBatch: hand back the groups' partial sums, [groups, m, n], for the caller to add up in a kernel of its own */
  partials?: boolean;
}

/**
 * C = A x B for each matrix of a batch, into a new [batch?, m, n] tensor or `out`, with the config set by
 * setMatmulConfig, else the autotuner's choice for the problem's shape class (the adapter's default untuned).
 */
export function gemm(a: Tensor, b: Tensor, problem: GemmProblem, tensors: GemmTensors = {}): Tensor {
  const key = JSON.stringify(problem);
  const config = override ?? tunedConfig(key, problem,
    // a candidate's run writes a product of its own (from offset 0), dropped once recorded
    (cfg) => runGemm(planGemm({ ...problem, offsetC: 0 }, cfg), a, b, { bias: tensors.bias }).dispose());
  return runGemm(plannedGemm(key, problem, config), a, b, tensors);
}

/** each exact problem's plan per configuration: planning is pure, and every training step asks for the same ones */
const plans = new WeakMap<MatmulConfig, Map<string, GemmPlan>>();

function plannedGemm(key: string, problem: GemmProblem, config: MatmulConfig): GemmPlan {
  let byProblem = plans.get(config);
  if (!byProblem) plans.set(config, (byProblem = new Map()));
  return remember(byProblem, key, () => planGemm(problem, config));
}

function tunedConfig(key: string, problem: GemmProblem, measure: (cfg: MatmulConfig) => void): MatmulConfig {
  const cpu = runtime().adapter.cpu;
  const offer = remember(offers, `${cpu} ${key}`, () => ({ shapeClass: matmulShapeClass(problem), candidates: matmulCandidates(problem, cpu) }));
  return choose('matmul', offer.shapeClass, offer.candidates, measure);
}

export function runGemm(plan: GemmPlan, a: Tensor, b: Tensor, { out, bias, partials }: GemmTensors = {}): Tensor {
  const copies = plan.transposes.map((step) => transposedCopy(step.operand === 'a' ? a : b, step));
  const operand = (which: 'a' | 'b', t: Tensor) => copies[plan.transposes.findIndex((s) => s.operand === which)] ?? t;
  const grouped = plan.groups > 1;
  const product = !grouped && out ? out : empty(plan.outShape);
  runtime().launch({
    shader: plan.shader,
    entry: plan.entry,
    constants: plan.constants,
    bindings: { a: operand('a', a).buffer, b: operand('b', b).buffer, c: product.buffer, bias: bias?.buffer ?? null },
    params: plan.params,
    workgroups: plan.workgroups,
  });
  copies.forEach((t) => t.dispose());
  if (!grouped || partials) return product;
  const total = sumKernel(product, [0], false);
  product.dispose();
  if (!out) return total;
  copyElements(total, out, total.size, 0, plan.offsetC);
  total.dispose();
  return out;
}

/** The rows x cols matrix at the step's offset in t, transposed into a new [cols, rows] tensor. */
function transposedCopy(t: Tensor, { rows, cols, offset }: TransposeStep): Tensor {
  let matrix: Tensor;
  if (offset === 0 && t.size === rows * cols) {
    matrix = view(t, [rows, cols]);
  } else {
    // A slice of a bigger tensor: copy it out first (rare: batched operands are not transposed this way).
    matrix = empty([rows, cols]);
    copyElements(t, matrix, rows * cols, offset, 0);
  }
  const out = permuteKernel(matrix, [1, 0]);
  matrix.dispose();
  return out;
}
