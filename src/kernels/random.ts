/**
 * Launchers for shaders/random.wgsl: seeded, counter-based fills and the dropout mask applied in place of a
 * stored one. They record nothing for autograd.
 */
import { empty, uploaded, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { shaderConstants } from '../gpu/shaders';

const WORKGROUP = 256;
const DISTRIBUTION = shaderConstants('random', ['UNIFORM', 'NORMAL']);

/** The parameters of both distributions; each reads its own pair. */
export interface Distribution {
  kind: keyof typeof DISTRIBUTION;
  low: number;
  high: number;
  mean: number;
  stddev: number;
}

/** A new tensor filled from `d`; element i depends only on (seed, i). */
export function randomKernel(shape: readonly number[], seed: number, d: Distribution): Tensor {
  const rt = runtime();
  const out = empty(shape);
  rt.launch({
    shader: 'random',
    entry: 'fill',
    constants: { DISTRIBUTION: DISTRIBUTION[d.kind], WORKGROUP },
    bindings: { out: out.buffer },
    params: { count: out.size, seed: seed >>> 0, low: d.low, high: d.high, mean: d.mean, stddev: d.stddev },
    workgroups: rt.grid1d(Math.ceil(out.size / WORKGROUP)),
  });
  return out;
}

/**
 * A [1] tensor holding a u32 seed for dropoutKernel; inside a compiled step, `next` gives each replay's seed.
 */
export function seedTensor(seed: number, next?: () => number): Tensor {
  return uploaded([1], Uint32Array.of(seed >>> 0), next && (() => Uint32Array.of(next() >>> 0)));
}

/** out = x * mask(seed) / (1 - p): dropout's forward on x, and its backward on dy with the same seed tensor. */
export function dropoutKernel(x: Tensor, p: number, seed: Tensor): Tensor {
  const rt = runtime();
  const out = empty(x.shape);
  rt.launch({
    shader: 'random',
    entry: 'dropout',
    constants: { WORKGROUP },
    bindings: { x: x.buffer, out: out.buffer, dropoutSeed: seed.buffer },
    params: { count: out.size, p, scale: 1 / (1 - p) },
    workgroups: rt.grid1d(Math.ceil(out.size / WORKGROUP)),
  });
  return out;
}
