import type { Tensor } from '../tensor';
import { Optimizer, checkRange, type ParamGroup } from './optimizer';
import { adamKernel } from '../kernels/optim';

/** Options of `Adam` and `AdamW` (torch.optim.Adam's names and defaults). */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** torch.optim.Adam: weight decay is added to the gradient (L2). One fused kernel per parameter. */
export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;

  constructor(params: Tensor[] | ParamGroup[], options: AdamOptions = {}) {
    super(params, options?.lr ?? 1e-3);
    const name = new.target.name;
    this.betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(this.betas) || this.betas.length !== 2) throw new Error(`webgpu-cnn ${name}: betas must be a pair [beta1, beta2], got ${JSON.stringify(this.betas)}`);
    checkRange(name, 'betas[0]', this.betas[0], 0, 1);
    checkRange(name, 'betas[1]', this.betas[1], 0, 1);
    this.eps = options.eps ?? 1e-8;
    checkRange(name, 'eps', this.eps, 0);
    this.weightDecay = options.weightDecay ?? 0;
    checkRange(name, 'weightDecay', this.weightDecay, 0);
  }

  protected stateNames(): string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected override biasCorrections(): [number, number] {
    return [1 - this.betas[0] ** this.t, 1 - this.betas[1] ** this.t];
  }

  /** @inheritDoc */
  protected update(p: Tensor, g: Tensor, [m, v]: Tensor[], hyper: Tensor): void {
    adamKernel(p, g, m, v, hyper, {
      beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled,
    });
  }
}

/** torch.optim.AdamW: weight decay shrinks the parameter directly (decoupled), default 0.01. */
export class AdamW extends Adam {
  constructor(params: Tensor[] | ParamGroup[], options: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...options });
    this.decoupled = true;
  }
}
