import type { Tensor } from '../tensor';
import { rand, nextSeed } from '../ops/random';

/**
 * PyTorch's default initialisation for conv and linear layers: kaiming_uniform_(a = sqrt(5)) for the weight,
 * which works out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the same bound for the bias.
 */
export function uniformInit(shape: readonly number[], fanIn: number, seed?: number): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return rand(shape, { seed: seed ?? nextSeed(), low: -bound, high: bound });
}
