/**
 * What every optimiser shares: the parameters it updates (frozen ones, with requiresGrad = false, and ones
 * that got no gradient are skipped), zeroGrad, global-norm gradient clipping, and the `hyper` buffer of
 * per-step values (learning rate, bias corrections, clipping factor) its fused kernel reads.
 */
import { type Tensor, assign, empty, untrack } from '../tensor';
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
  protected readonly hyper: Tensor;
  private clipNorm: number | null = null;
  private state = new Map<Tensor, Tensor[]>();

  constructor(
    readonly params: Tensor[],
    lr: number,
  ) {
    if (!(lr >= 0)) throw new Error(`webgpu-cnn optimizer: learning rate ${lr} must be a non-negative number`);
    this.lr = lr;
    this.hyper = empty([4]);
    untrack(this.hyper);
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
    assign(this.hyper, Float32Array.from([this.lr, ...this.biasCorrections(), 1]));
    if (this.clipNorm !== null && live.length) this.recordClip(live);
    for (const p of live) this.update(p, p.grad!, this.stateOf(p));
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
    this.hyper.dispose();
  }
}
