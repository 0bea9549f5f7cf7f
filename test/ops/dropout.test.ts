import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { dropout } from '../../src/ops/dropout';
import { expectClose, setup } from '../helpers';
import { randomArray } from '../reference/array';

beforeAll(setup);

// An input with no zeros, so a zero in the output always means a dropped element.
function input(shape: number[], seed: number): wc.Tensor {
  return wc.tensor(Float32Array.from(randomArray(shape, seed, 0.5, 1.5).data), shape);
}

it('the same seed gives the same mask, another seed or no seed another', async () => {
  const x = input([1000], 1);
  const outputs = [7, 7, 8, undefined, undefined].map((seed) => dropout(x, 0.5, { training: true, seed }));
  const [a, b, c, d, e] = await Promise.all(outputs.map((t) => t.data()));
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
  expect(d).not.toEqual(e);
  [x, ...outputs].forEach((t) => t.dispose());
});

it.each([0.1, 0.5, 0.9])('drops a fraction p = %f and scales the rest by 1 / (1 - p)', async (p) => {
  const n = 100_000;
  const x = input([10, 100, 100], 2);
  const xs = await x.data();
  const out = dropout(x, p, { training: true, seed: 3 });
  const y = await out.data();
  x.dispose();
  out.dispose();
  let zeros = 0;
  const kept: number[] = [];
  const expected: number[] = [];
  y.forEach((v, i) => {
    if (v === 0) zeros++;
    else {
      kept.push(v);
      expected.push(xs[i] / (1 - p));
    }
  });
  // The count of zeros is Binomial(n, p): allow 5 standard deviations.
  expect(Math.abs(zeros / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  expectClose(kept, expected, { rtol: 1e-6, atol: 0 }, 'kept values');
});

it('eval mode and p = 0 give x back unchanged, as a view that can be disposed separately', async () => {
  const x = input([3, 4, 5], 4);
  const xs = await x.data();
  for (const y of [dropout(x, 0.5, { training: false }), dropout(x, 0, { training: true, seed: 1 })]) {
    expect(y.shape).toEqual(x.shape);
    expect(await y.data()).toEqual(xs);
    y.dispose();
  }
  expect(await x.data()).toEqual(xs);
  x.dispose();
});

it('the gradient is the same mask over 1 - p times the upstream gradient', async () => {
  const p = 0.3;
  const shape = [4, 5, 6];
  const x = input(shape, 5);
  x.requiresGrad = true;
  const wData = randomArray(shape, 6);
  const w = wc.tensor(Float32Array.from(wData.data), shape);
  const y = dropout(x, p, { training: true, seed: 11 });
  const loss = wc.sum(wc.mul(y, w));
  const ys = await y.data();
  loss.backward();
  const expected = Array.from(ys, (v, i) => (v === 0 ? 0 : wData.data[i] / (1 - p)));
  expectClose(await x.grad!.data(), expected, { rtol: 1e-6, atol: 0 }, 'gradient');
  // Gradient through eval mode is the identity.
  x.grad!.dispose();
  x.grad = null;
  wc.sum(wc.mul(dropout(x, p, { training: false }), w)).backward();
  expectClose(await x.grad!.data(), wData.data, { rtol: 1e-6, atol: 0 }, 'eval gradient');
  [x, w, y, loss].forEach((t) => t.dispose());
});

// An independent CPU rendering of the mask shaders/random.wgsl's `dropout` draws, to pin the bits down.
function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> (((state >>> 28) + 4) >>> 0)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

it('the mask is the counter-based hash of (seed, index)', async () => {
  const seed = 1234;
  const p = 0.4;
  const x = input([257], 7);
  const y = await dropout(x, p, { training: true, seed }).data();
  const key = pcg((seed ^ 0x9e3779b9) >>> 0);
  const kept = Array.from(y, (v) => v !== 0);
  const expected = kept.map((_, i) => ((pcg((key ^ pcg(i)) >>> 0) >>> 8) + 0.5) / 16777216 >= p);
  expect(kept).toEqual(expected);
  x.dispose();
});

it('rejects p outside [0, 1) and a missing training flag', () => {
  const x = wc.zeros([4]);
  for (const p of [1, -0.1, 1.5, NaN]) {
    expect(() => dropout(x, p, { training: true })).toThrow(/dropout: p .* must be in \[0, 1\), got/);
  }
  expect(() => dropout(x, 0.5, {} as { training: boolean })).toThrow(/dropout: options.training must be true or false/);
  expect(() => dropout(x, 0.5, { training: true, seed: 1.5 })).toThrow(/seed must be an integer/);
  x.dispose();
});
