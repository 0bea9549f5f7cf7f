import { checkTensorSize, type Tensor } from '../tensor';
import { checkShape } from '../shape';
import { randomKernel } from '../kernels/random';
const DEFAULT_SEED = 0x2545f491;
let unseeded = DEFAULT_SEED;

/** Restarts the sequence of seeds used when none is given (parameter initialisation, rand without a seed). */
export function manualSeed(seed: number): void {
  unseeded = (seed ^ DEFAULT_SEED) >>> 0;
}

/** @internal where the sequence stands, to put it back after work that must not draw from it (warm-up) */
export function seedState(): number {
  return unseeded;
}

/** @internal */
export function restoreSeedState(state: number): void {
  unseeded = state >>> 0;
}

/** The next seed of that sequence. */
export function nextSeed(): number {
  unseeded = (Math.imul(unseeded, 1664525) + 1013904223) >>> 0;
  return unseeded;
}

/** Options of `rand` and `randn`. */
export interface RandomOptions {
  /** the same seed gives the same values, on any device */
  seed?: number;
}

/** Uniform in [low, high) (default [0, 1)). Without a seed, each call draws the next of a fixed sequence. */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  checkTensorSize('rand', shape);
  return randomKernel(shape, options.seed ?? nextSeed(), { kind: 'UNIFORM', low: options.low ?? 0, high: options.high ?? 1, mean: 0, stddev: 1 });
}

/** Normal with the given mean and standard deviation (default 0 and 1). */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  checkTensorSize('randn', shape);
  return randomKernel(shape, options.seed ?? nextSeed(), { kind: 'NORMAL', low: 0, high: 1, mean: options.mean ?? 0, stddev: options.std ?? 1 });
}
