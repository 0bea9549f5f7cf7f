/**
 * Launchers for shaders/optim.wgsl: one fused update kernel per parameter and step, and the clipping factor.
 * `hyper` is the optimiser's small buffer of per-step values (lr, bias corrections, gradient scale), so the
 * uniform parameters below stay the same from step to step. They record nothing for autograd.
 */
import type { Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';

const WORKGROUP = 256;

interface UpdateValues {
  momentum?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

function launchUpdate(entry: 'sgd' | 'adam', constants: Record<string, boolean>, p: Tensor, g: Tensor, m: Tensor | null, v: Tensor | null, hyper: Tensor, values: UpdateValues): void {
  const rt = runtime();
  rt.launch({
    shader: 'optim',
    entry,
    constants: { WORKGROUP, ...constants },
    // Plain SGD keeps no momentum buffer and its kernel never touches `m` then: null binds a placeholder.
    bindings: { param: p.buffer, grad: g.buffer, m: m?.buffer ?? null, ...(v ? { v: v.buffer } : {}), hyper: hyper.buffer },
    params: { count: p.size, momentum: 0, weightDecay: 0, beta1: 0, beta2: 0, eps: 0, ...values },
    workgroups: rt.grid1d(Math.ceil(p.size / WORKGROUP)),
  });
}

/** torch.optim.SGD's update of p in place (dampening 0); `m` is the momentum buffer, null without momentum. */
export function sgdKernel(p: Tensor, g: Tensor, m: Tensor | null, hyper: Tensor, o: { momentum: number; nesterov: boolean; weightDecay: number }): void {
  launchUpdate('sgd', { MOMENTUM: o.momentum > 0, NESTEROV: o.nesterov }, p, g, m, null, hyper, { momentum: o.momentum, weightDecay: o.weightDecay });
}

/** torch.optim.Adam's (decoupled: AdamW's) update of p, m and v in place. */
export function adamKernel(p: Tensor, g: Tensor, m: Tensor, v: Tensor, hyper: Tensor, o: { beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }): void {
  launchUpdate('adam', { DECOUPLED: o.decoupled }, p, g, m, v, hyper, { weightDecay: o.weightDecay, beta1: o.beta1, beta2: o.beta2, eps: o.eps });
}

/** hyper[3] = min(1, maxNorm / (sqrt(sumOfSquares[0]) + 1e-6)): the gradient scale for clipping by global norm. */
export function clipFactorKernel(sumOfSquares: Tensor, hyper: Tensor, maxNorm: number): void {
  runtime().launch({
    shader: 'optim',
    entry: 'clip_factor',
    bindings: { grad: sumOfSquares.buffer, hyper: hyper.buffer },
    params: { count: 1, momentum: 0, weightDecay: 0, beta1: 0, beta2: 0, eps: maxNorm },
    workgroups: [1],
  });
}
