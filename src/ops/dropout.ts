import { expectTensor, type Tensor } from '../tensor';
import { record, needsGrad, output } from '../autograd/tape';
import { reshape } from './reshape';
import { nextSeed } from './random';
import { dropoutKernel, seedTensor } from '../kernels/random';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** dropout acts only in training; in eval the result is x itself */
  training: boolean;
  /**
   * the same seed gives the same mask, on any device; without one, each call draws the next seed. A function
   * is called for each mask, also on each replay of a compiled step (nn.Dropout passes seed + calls).
   */
  seed?: number | (() => number);
}

/**
 * Inverted dropout, like torch.nn.functional.dropout. x: any shape -> the same shape.
 * Training: y = x * mask / (1 - p), where mask[i] is 1 with probability 1 - p and 0 otherwise, drawn from a
 * hash of (seed, i) by shaders/random.wgsl; the expected value of y is x, so eval needs no rescaling.
 * Eval (or p = 0): y = x, as a view of x's storage (disposing both is safe).
 * d/dx = dy * mask / (1 - p): the same kernel with the same seed, applied to dy, so no mask is saved.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  expectTensor('dropout', 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new Error(`webgpu-cnn dropout: p is the probability of dropping an element and must be in [0, 1), got ${p}`);
  }
  if (typeof options?.training !== 'boolean') {
    throw new Error('webgpu-cnn dropout: options.training must be true or false');
  }
  const seed = options.seed;
  if (seed !== undefined && typeof seed !== 'function' && !Number.isSafeInteger(seed)) {
    throw new Error(`webgpu-cnn dropout: seed must be an integer or a function giving one, got ${seed}`);
  }
  if (!options.training || p === 0) return reshape(x, x.shape);
  // The seed travels in a buffer: a compiled step replayed later draws its next seed the way this call did.
  const next = typeof seed === 'function' ? seed : seed === undefined ? nextSeed : undefined;
  const s = seedTensor(next ? next() : (seed as number), next);
  const out = dropoutKernel(x, p, s);
  if (!needsGrad(x)) {
    s.dispose();
    return output('dropout', out);
  }
  return record('dropout', out, [x], (dy) => [() => dropoutKernel(dy, p, s)], [s]);
}
