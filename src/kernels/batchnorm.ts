/**
 * Launchers for shaders/batchnorm.wgsl, in the order the op runs them: per-channel statistics (and the running
 * statistics' update), normalisation, and the backward kernels. They record nothing for autograd.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { itemsPerInvocation } from './elementwise';

/** What every batch-norm kernel is told: the sizes, and the update and epsilon of the op. */
export type BatchNormParams = {
  count: number;
  batch: number;
  channels: number;
  spatial: number;
  momentum: number;
  eps: number;
};

const ELEMENT_WORKGROUP = 256;

/** A power of two up to 64 for the per-channel kernels' tree sums over m values. */
function channelWorkgroup(m: number): number {
  return Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(m, 1))));
}

/** normalize, backward_input, backward_scale: consecutive elements of x per invocation (itemsPerInvocation). */
function launchElementwise(entry: 'normalize' | 'backward_input' | 'backward_scale', params: BatchNormParams, tensors: Record<string, Tensor>): void {
  const rt = runtime();
  const ITEMS = itemsPerInvocation();
  rt.launch({
    shader: 'batchnorm',
    entry,
    constants: { WORKGROUP: ELEMENT_WORKGROUP, ITEMS },
    bindings: Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.buffer])),
    params,
    workgroups: rt.grid1d(Math.ceil(params.count / (ELEMENT_WORKGROUP * ITEMS))),
  });
}

/**
 * (mean, invstd) per channel, [C, 2]: of the batch in training (updating the running statistics in place), or
 * the running statistics themselves in eval.
 */
export function batchNormStats(x: Tensor, runningMean: Tensor, runningVar: Tensor, params: BatchNormParams, training: boolean): Tensor {
  const rt = runtime();
  const stats = empty([params.channels, 2]);
  rt.launch({
    shader: 'batchnorm',
    entry: 'stats',
    constants: { WORKGROUP: training ? channelWorkgroup(params.batch * params.spatial) : 1, TRAINING: training },
    bindings: { x: x.buffer, runningMean: runningMean.buffer, runningVar: runningVar.buffer, channelStats: stats.buffer },
    params,
    workgroups: rt.grid1d(params.channels),
  });
  return stats;
}

/** y = gamma * (x - mean) * invstd + beta. */
export function batchNormNormalize(x: Tensor, gamma: Tensor, beta: Tensor, stats: Tensor, params: BatchNormParams): Tensor {
  const out = empty(x.shape);
  launchElementwise('normalize', params, { x, gamma, beta, channelStats: stats, out });
  return out;
}

/** dgamma = sum(dy * xhat), dbeta = sum(dy) per channel. */
export function batchNormChannelSums(dy: Tensor, x: Tensor, stats: Tensor, params: BatchNormParams): { dgamma: Tensor; dbeta: Tensor } {
  const rt = runtime();
  const c = params.channels;
  const dgamma = empty([c]);
  const dbeta = empty([c]);
  rt.launch({
    shader: 'batchnorm',
    entry: 'backward_reduce',
    constants: { WORKGROUP: channelWorkgroup(params.batch * params.spatial) },
    bindings: { x: x.buffer, dy: dy.buffer, channelStats: stats.buffer, dgamma: dgamma.buffer, dbeta: dbeta.buffer },
    params,
    workgroups: rt.grid1d(c),
  });
  return { dgamma, dbeta };
}

/** dx in training, where mean and var depend on x; needs the channel sums. */
export function batchNormGradInput(dy: Tensor, x: Tensor, gamma: Tensor, stats: Tensor, sums: { dgamma: Tensor; dbeta: Tensor }, params: BatchNormParams): Tensor {
  const dx = empty(x.shape);
  launchElementwise('backward_input', params, { x, gamma, channelStats: stats, dy, dgamma: sums.dgamma, dbeta: sums.dbeta, out: dx });
  return dx;
}

/** dx in eval: dy * gamma * invstd. */
export function batchNormGradScale(dy: Tensor, gamma: Tensor, stats: Tensor, params: BatchNormParams): Tensor {
  const dx = empty(dy.shape);
  launchElementwise('backward_scale', params, { gamma, channelStats: stats, dy, out: dx });
  return dx;
}
