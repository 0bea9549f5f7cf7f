import { expectTensor, untrack, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import {
  batchNormStats, batchNormNormalize, batchNormChannelSums, batchNormGradInput, batchNormGradScale, type BatchNormParams,
} from '../kernels/batchnorm';

/** Options of `batchNorm2d` (PyTorch's defaults: momentum 0.1, eps 1e-5). */
export interface BatchNormOptions {
  /** training: normalise with the batch statistics and update the running ones; eval: use the running ones */
  training: boolean;
  /** weight of the batch statistic in the running average (default 0.1) */
  momentum?: number;
  /** added to the variance before the square root (default 1e-5) */
  eps?: number;
}

/**
 * Batch normalisation over the channels of an NCHW tensor, like torch.nn.BatchNorm2d.
 *
 *   x: [N,C,H,W]; gamma, beta, runningMean, runningVar: [C] -> y: [N,C,H,W]
 *   y = gamma[c] * xhat + beta[c],   xhat = (x - mean[c]) * invstd[c],   invstd = 1 / sqrt(var[c] + eps)
 *
 * Training: mean and (biased) var over the m = N*H*W values of each channel, m > 1. runningMean and
 * runningVar are updated in place: running <- (1 - momentum) * running + momentum * batch, with the unbiased
 * var * m / (m - 1) for runningVar. Eval: mean and var are the running statistics, left unchanged.
 *
 * Gradients, with sums per channel over (N, H, W):
 *   dL/dbeta  = sum(dy)
 *   dL/dgamma = sum(dy * xhat)
 *   dL/dx     = gamma * invstd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat))   training (mean, var depend on x)
 *   dL/dx     = dy * gamma * invstd                                               eval (running stats are constants)
 * The running statistics are state, not inputs, and get no gradient.
 */
export function batchNorm2d(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  options: BatchNormOptions,
): Tensor {
  const { training, momentum, eps } = checkArgs(x, gamma, beta, runningMean, runningVar, options);
  const [n, c, h, w] = x.shape;
  const params: BatchNormParams = { count: x.size, batch: n, channels: c, spatial: h * w, momentum, eps };
  // (mean, invstd) per channel, read by normalize and by backward.
  const stats = batchNormStats(x, runningMean, runningVar, params, training);
  const out = batchNormNormalize(x, gamma, beta, stats, params);
  if (!needsGrad(x, gamma, beta)) {
    stats.dispose();
    return output('batchNorm2d', out);
  }
  untrack(stats); // the tape owns it now: a scope around the forward pass must not free it
  const sx = save(x);
  const sgamma = save(gamma);
  return record('batchNorm2d', out, [x, gamma, beta], (dy) => {
    // dgamma and dbeta, launched once for whichever thunks ask first.
    let sums: { dgamma: Tensor; dbeta: Tensor } | null = null;
    const channelSums = () => (sums ??= batchNormChannelSums(dy, sx, stats, params));
    const dx = () => (training ? batchNormGradInput(dy, sx, sgamma, stats, channelSums(), params) : batchNormGradScale(dy, sgamma, stats, params));
    return [dx, () => channelSums().dgamma, () => channelSums().dbeta];
  }, [sx, sgamma, stats]);
}

function checkArgs(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  options: BatchNormOptions,
) {
  const fail = (what: string) => new Error(`webgpu-cnn batchNorm2d: ${what}`);
  Object.entries({ x, gamma, beta, runningMean, runningVar }).forEach(([name, t]) => expectTensor('batchNorm2d', name, t));
  if (x.shape.length !== 4) throw fail(`x must be [N, C, H, W], got ${formatShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const perChannel = { gamma, beta, runningMean, runningVar };
  for (const [name, t] of Object.entries(perChannel)) {
    if (t.shape.length !== 1 || t.shape[0] !== c) {
      throw fail(`${name} must be [C] = [${c}] for x ${formatShape(x.shape)}, got ${formatShape(t.shape)}`);
    }
  }
  if (typeof options?.training !== 'boolean') throw fail('options.training must be true or false');
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw fail(`momentum must be in [0, 1], got ${momentum}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0 && Number.isFinite(eps))) {
    throw fail(`eps must be a non-negative number, got ${eps}`);
  }
  if (options.training && n * h * w < 2) {
    throw fail(`training needs more than 1 value per channel, got x ${formatShape(x.shape)} (N*H*W = ${n * h * w})`);
  }
  // The stats kernel writes the running statistics, and WebGPU forbids a buffer written in a dispatch to be
  // bound there twice.
  const others: Array<[string, Tensor]> = [['x', x], ['gamma', gamma], ['beta', beta]];
  if (runningMean.buffer === runningVar.buffer) throw fail('runningMean and runningVar must not share storage');
  for (const [name, t] of others) {
    if (t.buffer === runningMean.buffer || t.buffer === runningVar.buffer) {
      throw fail(`${name} must not share storage with runningMean or runningVar, which are updated in place`);
    }
  }
  return { training: options.training, momentum, eps };
}
