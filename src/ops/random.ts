import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { checkShape } from '../shape';
import { shaderConstant } from '../gpu/shaders';

const WORKGROUP = 256;
const DEFAULT_SEED = 0x2545f491;
let unseeded = DEFAULT_SEED;

/** Restarts the sequence of seeds used when none is given (parameter initialisation, rand without a seed). */
export function manualSeed(seed: number): void {
  unseeded = (seed ^ DEFAULT_SEED) >>> 0;
}

/** The next seed of that sequence. */
export function nextSeed(): number {
  unseeded = (Math.imul(unseeded, 1664525) + 1013904223) >>> 0;
  return unseeded;
}

export interface RandomOptions {
  /** the same seed gives the same values, on any device */
  seed?: number;
}

/** Uniform in [low, high) (default [0, 1)). */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  return fill(shape, 'UNIFORM', options.seed, { low: options.low ?? 0, high: options.high ?? 1, mean: 0, stddev: 1 });
}

/** Normal with the given mean and standard deviation (default 0 and 1). */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  return fill(shape, 'NORMAL', options.seed, { low: 0, high: 1, mean: options.mean ?? 0, stddev: options.std ?? 1 });
}

function fill(shape: readonly number[], distribution: 'UNIFORM' | 'NORMAL', seed: number | undefined, p: { low: number; high: number; mean: number; stddev: number }): Tensor {
  const rt = runtime();
  const out = empty(shape, rt);
  // Without a seed, each call draws the next of a fixed sequence: reproducible runs, distinct tensors.
  const s = seed ?? nextSeed();
  rt.launch({
    shader: 'random',
    entry: 'fill',
    constants: { DISTRIBUTION: shaderConstant('random', distribution), WORKGROUP },
    bindings: { out: out.buffer },
    params: { count: out.size, seed: s >>> 0, ...p },
    workgroups: rt.grid1d(Math.ceil(out.size / WORKGROUP)),
  });
  return out;
}
