/**
 * What every optimiser shares: its parameter groups (each with its own learning rate, like PyTorch's
 * param_groups; frozen parameters, with requiresGrad = false, and ones that got no gradient are skipped),
 * zeroGrad, global-norm gradient clipping, state save and restore, and each group's `hyper` buffer of per-step
 * values (learning rate, bias corrections, clipping factor) that its fused kernel reads.
 */
import { Tensor, assign, describeValue, empty, untrack } from '../tensor';
import { formatShape } from '../shape';
import { zeros } from '../ops/fill';
import { noGrad } from '../autograd/tape';
import { sum } from '../ops/sum';
import { mul } from '../ops/mul';
import { add } from '../ops/add';
import { scope } from '../tensor';
import { clipFactorKernel } from '../kernels/optim';

/** Parameters with their own learning rate (a pretrained trunk's smaller one); lr defaults to the optimiser's. */
export interface ParamGroup {
  params: Tensor[];
  lr?: number;
}

export interface OptimizerState {
  /** steps taken */
  step: number;
  /** per parameter index (over all groups, in order): its state tensors by PyTorch's names, copies */
  state: Record<number, Record<string, Tensor>>;
  /** each group's learning rate and the indices of its parameters */
  paramGroups: Array<{ lr: number; params: number[] }>;
}

interface Group {
  params: Tensor[];
  lr: number;
  /** the group's lr relative to the first group's at construction, which schedules keep */
  ratio: number;
  /** made at the first step, so that a constructor that rejects its options has allocated nothing */
  hyper: Tensor | null;
}

/** The base of `SGD`, `Adam` and `AdamW`: `zeroGrad()`, `step()`, `clipGradNorm()`, parameter groups. */
export abstract class Optimizer {
  /** steps taken */
  t = 0;
  /** every parameter, of all groups, in order */
  readonly params: Tensor[];
  private readonly groups: Group[];
  private clipNorm: number | null = null;
  private state = new Map<Tensor, Tensor[]>();

  constructor(params: Tensor[] | ParamGroup[], lr: number) {
    const name = new.target.name;
    if (!Array.isArray(params)) {
      const hint = params && typeof (params as { parameters?: unknown }).parameters === 'function' ? ' (pass model.parameters(), not the model)' : '';
      throw new TypeError(`webgpu-cnn ${name}: expected an array of parameter tensors${hint}, got ${describeValue(params)}`);
    }
    const grouped = params.length > 0 && !(params[0] instanceof Tensor);
    const groups: ParamGroup[] = grouped ? (params as ParamGroup[]) : [{ params: params as Tensor[] }];
    checkLearningRate(name, lr);
    groups.forEach((g, gi) => {
      const where = grouped ? `group ${gi}: ` : '';
      if (!Array.isArray(g?.params)) throw new TypeError(`webgpu-cnn ${name}: ${where}expected { params: Tensor[], lr? }, got ${describeValue(g)}`);
      g.params.forEach((p, i) => {
        if (!(p instanceof Tensor)) throw new TypeError(`webgpu-cnn ${name}: ${where}parameter ${i} must be a Tensor, got ${describeValue(p)}`);
      });
      if (g.lr !== undefined) checkLearningRate(name, g.lr);
    });
    const first = groups[0].lr ?? lr;
    this.groups = groups.map((g) => {
      const glr = g.lr ?? lr;
      return { params: [...g.params], lr: glr, ratio: first > 0 ? glr / first : 1, hyper: null };
    });
    this.params = this.groups.flatMap((g) => g.params);
  }

  private hyperOf(g: Group): Tensor {
    if (!g.hyper) {
      g.hyper = empty([4]);
      untrack(g.hyper);
    }
    return g.hyper;
  }

  /** The first group's learning rate; setting it (schedules do) keeps the other groups' ratios to it. */
  get lr(): number {
    return this.groups[0].lr;
  }

  set lr(value: number) {
    for (const g of this.groups) g.lr = value * g.ratio;
  }

  /** Each group's parameters and current learning rate. */
  get paramGroups(): ReadonlyArray<{ params: readonly Tensor[]; lr: number }> {
    return this.groups;
  }

  /** Sets one group's learning rate; the ratios that `lr =` keeps are taken anew. */
  setGroupLr(index: number, lr: number): void {
    const g = this.groups[index];
    if (!g) throw new Error(`webgpu-cnn optimizer: no parameter group ${index} (there are ${this.groups.length})`);
    checkLearningRate(this.constructor.name, lr);
    g.lr = lr;
    const first = this.groups[0].lr;
    for (const other of this.groups) other.ratio = first > 0 ? other.lr / first : 1;
  }

  /** Sets every parameter's gradient to none (the next backward writes fresh ones). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The global-norm limit set by clipGradNorm, or null. */
  get maxGradNorm(): number | null {
    return this.clipNorm;
  }

  /** Rescales the gradients at each step so that their global L2 norm is at most maxNorm (null: off). */
  clipGradNorm(maxNorm: number | null): this {
    if (maxNorm !== null && !(maxNorm > 0)) throw new Error(`webgpu-cnn clipGradNorm: maxNorm ${maxNorm} must be positive`);
    this.clipNorm = maxNorm;
    return this;
  }

  /** One update of every trainable parameter that has a gradient. Records GPU work; does not wait. */
  step(): void {
    // lr may have been set since construction (a schedule, or a user's `opt.lr = ...`): checked before any work.
    this.groups.forEach((g) => checkLearningRate(this.constructor.name, g.lr));
    this.t++;
    const live = this.params.filter((p) => p.requiresGrad && p.grad);
    // In a compiled step the refreshes run in place of this method on each replay, in this order: the first
    // group's takes the next step count, every group's its current lr.
    this.groups.forEach((g, i) => {
      assign(this.hyperOf(g), this.hyperValues(g), () => {
        checkLearningRate(this.constructor.name, g.lr);
        if (i === 0) this.t++;
        return this.hyperValues(g);
      });
    });
    if (this.clipNorm !== null && live.length) this.recordClip(live);
    for (const g of this.groups) {
      for (const p of g.params) if (p.requiresGrad && p.grad) this.update(p, p.grad, this.stateOf(p), this.hyperOf(g));
    }
  }

  /** hyper = [lr, 1 - beta1^t, 1 - beta2^t, gradient scale (1 until clipping sets it)] */
  private hyperValues(g: Group): Float32Array {
    return Float32Array.from([g.lr, ...this.biasCorrections(), 1]);
  }

  /** Adam's 1 - beta1^t and 1 - beta2^t; 1 for optimisers without them. */
  protected biasCorrections(): [number, number] {
    return [1, 1];
  }

  /** The names (PyTorch's) of the state tensors of the parameter's shape the optimiser keeps per parameter. */
  protected abstract stateNames(): string[];

  /** One parameter's update from its gradient, its optimiser state and its group's hyper values (one fused kernel). */
  protected abstract update(param: Tensor, grad: Tensor, state: Tensor[], hyper: Tensor): void;

  private stateOf(p: Tensor): Tensor[] {
    let s = this.state.get(p);
    if (!s) {
      s = this.stateNames().map(() => {
        const z = zeros(p.shape);
        untrack(z);
        return z;
      });
      this.state.set(p, s);
    }
    return s;
  }

  /** A copy of the step count, the learning rates and every parameter's state (like PyTorch's state_dict). */
  stateDict(): OptimizerState {
    const names = this.stateNames();
    const state: OptimizerState['state'] = {};
    this.params.forEach((p, i) => {
      const s = this.state.get(p);
      if (!s) return;
      state[i] = Object.fromEntries(s.map((t, k) => {
        const copy = empty(t.shape);
        assign(copy, t);
        return [names[k], copy];
      }));
    });
    let next = 0;
    const paramGroups = this.groups.map((g) => ({ lr: g.lr, params: g.params.map(() => next++) }));
    return { step: this.t, state, paramGroups };
  }

  /** Restores what stateDict() returned (for an optimiser over parameters of the same shapes, in the same order). */
  loadStateDict(s: OptimizerState): void {
    const names = this.stateNames();
    const fail = (why: string) => new Error(`webgpu-cnn optimizer loadStateDict: ${why}`);
    if (s.paramGroups.length !== this.groups.length) throw fail(`${s.paramGroups.length} parameter groups for an optimiser with ${this.groups.length}`);
    for (const [i, entry] of Object.entries(s.state)) {
      const p = this.params[Number(i)];
      if (!p) throw fail(`state for parameter ${i}, but the optimiser has ${this.params.length}`);
      for (const name of names) {
        const t = entry[name];
        if (!t || t.shape.join() !== p.shape.join()) throw fail(`parameter ${i} needs "${name}" of shape ${formatShape(p.shape)}, got ${t ? formatShape(t.shape) : 'none'}`);
      }
    }
    this.t = s.step;
    s.paramGroups.forEach((g, i) => this.setGroupLr(i, g.lr));
    for (const [i, entry] of Object.entries(s.state)) {
      const slots = this.stateOf(this.params[Number(i)]);
      names.forEach((name, k) => assign(slots[k], entry[name]));
    }
  }

  private recordClip(live: Tensor[]): void {
    const total = noGrad(() => scope(() => live.map((p) => sum(mul(p.grad!, p.grad!))).reduce((a, b) => add(a, b))));
    for (const g of this.groups) clipFactorKernel(total, this.hyperOf(g), this.clipNorm!);
    total.dispose();
  }

  /** Frees the optimiser's state (not the parameters). */
  dispose(): void {
    for (const s of this.state.values()) s.forEach((t) => t.dispose());
    this.state.clear();
    for (const g of this.groups) {
      g.hyper?.dispose();
      g.hyper = null;
    }
  }
}

function checkLearningRate(optimizer: string, lr: unknown): void {
  if (typeof lr !== 'number' || !(lr >= 0 && Number.isFinite(lr))) {
    throw new Error(`webgpu-cnn ${optimizer}: the learning rate must be a finite number >= 0, got ${describeValue(lr)}`);
  }
}

/** For the options of an optimiser: a finite number in [min, max) (max excluded), or in [min, max] when `closed`. */
export function checkRange(optimizer: string, name: string, v: unknown, min: number, max = Infinity, closed = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (closed ? v <= max : v < max);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${closed ? ']' : ')'}`;
    throw new Error(`webgpu-cnn ${optimizer}: ${name} must be a finite number ${range}, got ${describeValue(v)}`);
  }
}
