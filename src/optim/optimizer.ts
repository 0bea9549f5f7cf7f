/**
 * What every optimiser shares: its parameter groups (each with its own learning rate, like PyTorch's
 * param_groups; frozen parameters, with requiresGrad = false, and ones that got no gradient are skipped),
 * zeroGrad, global-norm gradient clipping, state save and restore, and each group's `hyper` buffer of per-step
 * values (learning rate, bias corrections, clipping factor) that its fused kernel reads.
 */
import { Tensor, assign, empty, untrack } from '../tensor';
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
  hyper: Tensor;
}

export abstract class Optimizer {
  /** steps taken */
  t = 0;
  /** every parameter, of all groups, in order */
  readonly params: Tensor[];
  private readonly groups: Group[];
  private clipNorm: number | null = null;
  private state = new Map<Tensor, Tensor[]>();

  constructor(params: Tensor[] | ParamGroup[], lr: number) {
    const groups: ParamGroup[] = params.length && !(params[0] instanceof Tensor) ? (params as ParamGroup[]) : [{ params: params as Tensor[] }];
    const first = groups[0]?.lr ?? lr;
    this.groups = groups.map((g) => {
      const glr = g.lr ?? lr;
      if (!(glr >= 0)) throw new Error(`webgpu-cnn optimizer: learning rate ${glr} must be a non-negative number`);
      const hyper = empty([4]);
      untrack(hyper);
      return { params: [...g.params], lr: glr, ratio: first > 0 ? glr / first : 1, hyper };
    });
    if (!this.groups.length) throw new Error('webgpu-cnn optimizer: no parameters');
    this.params = this.groups.flatMap((g) => g.params);
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
    if (!(lr >= 0)) throw new Error(`webgpu-cnn optimizer: learning rate ${lr} must be a non-negative number`);
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

  /** Rescales the gradients at each step so that their global L2 norm is at most maxNorm (null: off). */
  clipGradNorm(maxNorm: number | null): this {
    if (maxNorm !== null && !(maxNorm > 0)) throw new Error(`webgpu-cnn clipGradNorm: maxNorm ${maxNorm} must be positive`);
    this.clipNorm = maxNorm;
    return this;
  }

  /** One update of every trainable parameter that has a gradient. Records GPU work; does not wait. */
  step(): void {
    this.t++;
    const live = this.params.filter((p) => p.requiresGrad && p.grad);
    for (const g of this.groups) assign(g.hyper, Float32Array.from([g.lr, ...this.biasCorrections(), 1]));
    if (this.clipNorm !== null && live.length) this.recordClip(live);
    for (const g of this.groups) {
      for (const p of g.params) if (p.requiresGrad && p.grad) this.update(p, p.grad, this.stateOf(p), g.hyper);
    }
  }

  /** Adam's 1 - beta1^t and 1 - beta2^t; 1 for optimisers without them. */
  protected biasCorrections(): [number, number] {
    return [1, 1];
  }

  /** The names (PyTorch's) of the state tensors of the parameter's shape the optimiser keeps per parameter. */
  protected abstract stateNames(): string[];

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
    for (const g of this.groups) clipFactorKernel(total, g.hyper, this.clipNorm!);
    total.dispose();
  }

  /** Frees the optimiser's state (not the parameters). */
  dispose(): void {
    for (const s of this.state.values()) s.forEach((t) => t.dispose());
    this.state.clear();
    this.groups.forEach((g) => g.hyper.dispose());
  }
}
