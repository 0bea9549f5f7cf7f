import type { Tensor } from '../tensor';
import { Optimizer, checkRange, type ParamGroup } from './optimizer';
import { sgdKernel } from '../kernels/optim';

/** Options of `SGD` (torch.optim.SGD's names and defaults). */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent as torch.optim.SGD (dampening 0), one fused kernel per parameter. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[] | ParamGroup[], options: SGDOptions) {
    if (typeof options !== 'object' || options === null || options.lr === undefined) {
      throw new TypeError('webgpu-cnn SGD: options.lr is required, e.g. new SGD(model.parameters(), { lr: 0.01 })');
    }
    super(params, options.lr);
    this.momentum = options.momentum ?? 0;
    checkRange('SGD', 'momentum', this.momentum, 0, 1);
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    checkRange('SGD', 'weightDecay', this.weightDecay, 0);
    if (this.nesterov && this.momentum <= 0) throw new Error('webgpu-cnn SGD: nesterov needs momentum > 0');
  }

  protected stateNames(): string[] {
    return this.momentum > 0 ? ['momentum_buffer'] : [];
  }

  /** @inheritDoc */
  protected update(p: Tensor, g: Tensor, [buf]: Tensor[], hyper: Tensor): void {
    sgdKernel(p, g, buf ?? null, hyper, { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay });
  }
}
