import { describeValue, type Tensor } from '../tensor';
import { rand, nextSeed } from '../ops/random';

/**
 * PyTorch's default initialisation for conv and linear layers: kaiming_uniform_(a = sqrt(5)) for the weight,
 * which works out to U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the same bound for the bias.
 */
export function uniformInit(shape: readonly number[], fanIn: number, seed?: number): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return rand(shape, { seed: seed ?? nextSeed(), low: -bound, high: bound });
}

export type Pair = number | [number, number];
export const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Constructor arguments are checked up front, so a typo fails here rather than inside a kernel later. */
export function checkSize(module: string, name: string, v: unknown, min = 1): void {
  const ok = (d: unknown) => Number.isInteger(d) && (d as number) >= min;
  if (!(ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok)))) {
    throw new TypeError(`webgpu-cnn nn.${module}: ${name} must be an integer >= ${min}${name.endsWith('Size') ? ' (or a pair [h, w])' : ''}, got ${describeValue(v)}`);
  }
}

/**
 * The checked arguments and PyTorch's initial weight and bias of nn.Conv2d ([out, in / groups, kh, kw]) or, with
 * `transposed`, nn.ConvTranspose2d ([in, out / groups, kh, kw]). PyTorch takes the fan-in from the weight's second
 * dimension times the kernel in both, and so does this.
 */
export function convParameters(
  module: 'Conv2d' | 'ConvTranspose2d', inChannels: number, outChannels: number, kernelSize: Pair,
  options: { stride?: Pair; padding?: Pair; groups?: number; bias?: boolean; seed?: number }, transposed: boolean,
): { weight: Tensor; bias: Tensor | null } {
  checkSize(module, 'inChannels', inChannels);
  checkSize(module, 'outChannels', outChannels);
  checkSize(module, 'kernelSize', kernelSize);
  if (options.stride !== undefined) checkSize(module, 'stride', options.stride);
  if (options.padding !== undefined) checkSize(module, 'padding', options.padding, 0);
  const [kh, kw] = pair(kernelSize);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(`webgpu-cnn nn.${module}: groups ${groups} must be a positive integer dividing in (${inChannels}) and out (${outChannels}) channels`);
  }
  const [first, second] = transposed ? [inChannels, outChannels / groups] : [outChannels, inChannels / groups];
  const fanIn = second * kh * kw;
  const seed = options.seed ?? nextSeed();
  return {
    weight: uniformInit([first, second, kh, kw], fanIn, seed),
    bias: options.bias === false ? null : uniformInit([outChannels], fanIn, seed ^ 0x9e3779b9),
  };
}
