/**
 * What every optimiser shares: the parameters it updates (frozen ones, with requiresGrad = false, and ones
 * that got no gradient are skipped), zeroGrad, global-norm gradient clipping, and the `hyper` buffer of
 * per-step values (learning rate, bias corrections, clipping factor) its fused kernel reads.
 */
import { Tensor, assign, describeValue, empty, untrack } from '../tensor';
import { zeros } from '../ops/fill';
import { noGrad } from '../autograd/tape';
import { sum } from '../ops/sum';
import { mul } from '../ops/mul';
import { add } from '../ops/add';
import { scope } from '../tensor';
import { clipFactorKernel } from '../kernels/optim';


/** The base of `SGD`, `Adam` and `AdamW`: `zeroGrad()`, `step()`, `clipGradNorm()`. */
export abstract class Optimizer {
  /** the learning rate of the next step; schedules set it */
  lr: number;
  /** steps taken */
  t = 0;
  /** made at the first step, so that a constructor that rejects its options has allocated nothing */
  private hyperTensor: Tensor | null = null;
  private clipNorm: number | null = null;
  private state = new Map<Tensor, Tensor[]>();

  constructor(
    readonly params: Tensor[],
    lr: number,
  ) {
    const name = new.target.name;
    if (!Array.isArray(params)) {
      const hint = params && typeof (params as { parameters?: unknown }).parameters === 'function' ? ' (pass model.parameters(), not the model)' : '';
      throw new TypeError(`webgpu-cnn ${name}: expected an array of parameter tensors${hint}, got ${describeValue(params)}`);
    }
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`webgpu-cnn ${name}: parameter ${i} must be a Tensor, got ${describeValue(p)}`);
    });
    checkLearningRate(name, lr);
    this.lr = lr;
  }

  protected get hyper(): Tensor {
    if (!this.hyperTensor) {
      this.hyperTensor = empty([4]);
      untrack(this.hyperTensor);
    }
    return this.hyperTensor;
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
    checkLearningRate(this.constructor.name, this.lr);
    this.t++;
    const live = this.params.filter((p) => p.requiresGrad && p.grad);
    // In a compiled step the refresh runs in place of this method on each replay: the next step count and lr.
    assign(this.hyper, this.hyperValues(), () => {
      checkLearningRate(this.constructor.name, this.lr);
      this.t++;
      return this.hyperValues();
    });
    if (this.clipNorm !== null && live.length) this.recordClip(live);
    for (const p of live) this.update(p, p.grad!, this.stateOf(p));
  }

  /** hyper = [lr, 1 - beta1^t, 1 - beta2^t, gradient scale (1 until clipping sets it)] */
  private hyperValues(): Float32Array {
    return Float32Array.from([this.lr, ...this.biasCorrections(), 1]);
  }

  /** Adam's 1 - beta1^t and 1 - beta2^t; 1 for optimisers without them. */
  protected biasCorrections(): [number, number] {
    return [1, 1];
  }

  /** How many state tensors of the parameter's shape the optimiser keeps (momentum, moments). */
  protected abstract stateSlots(): number;

  /** One parameter's update from its gradient and its optimiser state (one fused kernel). */
  protected abstract update(param: Tensor, grad: Tensor, state: Tensor[]): void;

  private stateOf(p: Tensor): Tensor[] {
    let s = this.state.get(p);
    if (!s) {
      s = Array.from({ length: this.stateSlots() }, () => {
        const z = zeros(p.shape);
        untrack(z);
        return z;
      });
      this.state.set(p, s);
    }
    return s;
  }

  private recordClip(live: Tensor[]): void {
    const total = noGrad(() => scope(() => live.map((p) => sum(mul(p.grad!, p.grad!))).reduce((a, b) => add(a, b))));
    clipFactorKernel(total, this.hyper, this.clipNorm!);
    total.dispose();
  }

  /** Frees the optimiser's state (not the parameters). */
  dispose(): void {
    for (const s of this.state.values()) s.forEach((t) => t.dispose());
    this.state.clear();
    this.hyperTensor?.dispose();
    this.hyperTensor = null;
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
