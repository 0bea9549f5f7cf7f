import type { Tensor } from '../tensor';
import { record } from '../autograd/tape';
import { reshape } from './reshape';
import { nextSeed } from './random';
import { dropoutKernel } from '../kernels/random';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** dropout acts only in training; in eval the result is x itself */
  training: boolean;
  /** the same seed gives the same mask, on any device; without one, each call draws the next seed */
  seed?: number;
}

/**
 * Inverted dropout, like torch.nn.functional.dropout. x: any shape -> the same shape.
 * Training: y = x * mask / (1 - p), where mask[i] is 1 with probability 1 - p and 0 otherwise, drawn from a
 * hash of (seed, i) by shaders/random.wgsl; the expected value of y is x, so eval needs no rescaling.
 * Eval (or p = 0): y = x, as a view of x's storage (disposing both is safe).
 * d/dx = dy * mask / (1 - p): the same kernel with the same seed, applied to dy, so no mask is saved.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new Error(`webgpu-cnn dropout: p is the probability of dropping an element and must be in [0, 1), got ${p}`);
  }
  if (typeof options?.training !== 'boolean') {
    throw new Error('webgpu-cnn dropout: options.training must be true or false');
  }
  const seed = options.seed;
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new Error(`webgpu-cnn dropout: seed must be an integer, got ${seed}`);
  }
  if (!options.training || p === 0) return reshape(x, x.shape);
  const s = seed ?? nextSeed();
  const out = dropoutKernel(x, p, s);
  return record('dropout', out, [x], (dy) => [() => dropoutKernel(dy, p, s)]);
}
