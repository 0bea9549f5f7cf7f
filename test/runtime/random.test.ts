import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { setup } from '../helpers';
import { pcg } from '../reference/random';

beforeAll(setup);

// The shader's float32 arithmetic step by step: (bits >> 8) + 0.5 rounds for values near 2^24, and u stays
// below 1 (at most 1 - 2^-24).
const f = Math.fround;
const unit = (bits: number) => Math.min(f(f((bits >>> 8) + 0.5) / 16777216), 1 - 2 ** -24);

it('rand matches the counter-based generator bit for bit', async () => {
  const seed = 1234;
  const [low, high] = [-2, 3.3];
  const values = await wc.rand([7, 13], { seed, low, high }).data();
  const key = pcg(seed);
  const expected = Float32Array.from(values, (_, i) => f(f(low) + f(f(f(high) - f(low)) * unit(pcg((key ^ pcg(2 * i)) >>> 0)))));
  expect(values).toEqual(expected);
});

it('the same seed gives the same tensor, another seed another', async () => {
  const a = await wc.randn([1000], { seed: 7 }).data();
  const b = await wc.randn([1000], { seed: 7 }).data();
  const c = await wc.randn([1000], { seed: 8 }).data();
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
});

it('randn has the requested mean and spread', async () => {
  const n = 200_000;
  const x = await wc.randn([n], { seed: 3, mean: 2, std: 0.5 }).data();
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  // Standard errors: 0.5 / sqrt(n) = 0.0011 for the mean, about 0.0008 for the variance.
  expect(Math.abs(mean - 2)).toBeLessThan(0.006);
  expect(Math.abs(variance - 0.25)).toBeLessThan(0.005);
  const within1 = x.filter((v) => Math.abs(v - 2) < 0.5).length / n;
  expect(Math.abs(within1 - 0.6827)).toBeLessThan(0.005);
});

it('rand is uniform over [0, 1)', async () => {
  const n = 100_000;
  const x = await wc.rand([n], { seed: 9 }).data();
  const bins = new Array(10).fill(0);
  x.forEach((v) => bins[Math.floor(v * 10)]++);
  expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...x)).toBeLessThan(1);
  for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(600); // ~6 standard deviations
});
