import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { setup } from '../helpers';

beforeAll(setup);

it('a tensor used twice gets the sum of both paths', async () => {
  const x = wc.tensor([1, 2, 3], [3], { requiresGrad: true });
  wc.sum(wc.add(wc.mul(x, x), x)).backward(); // d/dx (x^2 + x) = 2x + 1
  expect(Array.from(await x.grad!.data())).toEqual([3, 5, 7]);
  wc.sum(x).backward(); // gradients accumulate until zeroed
  expect(Array.from(await x.grad!.data())).toEqual([4, 6, 8]);
});

it('frozen inputs get no gradient and noGrad records nothing', async () => {
  const w = wc.tensor([2], [1], { requiresGrad: true });
  const frozen = wc.tensor([5], [1]);
  wc.sum(wc.mul(w, frozen)).backward();
  expect(frozen.grad).toBeNull();
  expect(Array.from(await w.grad!.data())).toEqual([5]);
  const y = wc.noGrad(() => wc.mul(w, w));
  expect(y.requiresGrad).toBe(false);
  expect(() => wc.sum(y).backward()).toThrow(/does not depend/);
});

it('a second backward over a released graph is a clear error', () => {
  const x = wc.tensor([1, 2], [2], { requiresGrad: true });
  const loss = wc.sum(wc.tanh(x));
  loss.backward();
  expect(() => loss.backward()).toThrow(/already been through backward/);
});

it('backward gives the forward pass memory back to the pool', async () => {
  const x = wc.rand([64, 64], { seed: 1 });
  x.requiresGrad = true;
  await x.data();
  const base = wc.memory().bytesInUse;
  const loss = wc.scope(() => wc.mean(wc.sigmoid(wc.matmul(wc.tanh(x), x))));
  expect(wc.memory().bytesInUse).toBeGreaterThan(base);
  loss.backward();
  loss.dispose();
  const gradBytes = wc.memory().bytesInUse - base;
  expect(gradBytes).toBe(x.grad!.size * 4 < 256 ? 256 : 64 * 64 * 4);
});
