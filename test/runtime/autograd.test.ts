import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { collectGarbage, setup } from '../helpers';
import { record } from '../../src/autograd/tape';

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

it('backward(gradient) weighs the outputs, checks the shape and leaks nothing', async () => {
  const w = wc.tensor([1, 2, 3], [3], { requiresGrad: true });
  const g = wc.tensor([1, 10, 100], [3]);
  const wide = wc.ones([2, 3]);
  await collectGarbage();
  const before = wc.memory().tensors;
  const y = wc.mul(w, w); // dy/dw = 2w
  const recorded = wc.memory().tensors;
  expect(() => y.backward(wide)).toThrow(/gradient \[2, 3\] must have the shape of the tensor it starts from, \[3\]/);
  expect(wc.memory().tensors).toBe(recorded);
  y.backward(g);
  expect(Array.from(await w.grad!.data())).toEqual([2, 40, 600]);
  expect(Array.from(await g.data())).toEqual([1, 10, 100]); // the caller's gradient is untouched and still usable
  y.dispose();
  // what is left is exactly w.grad: the seed view, the saved tensors and every intermediate went back
  expect(wc.memory().tensors).toBe(before + 1);
  [g, wide, w].forEach((t) => t.dispose());
});

it('backward on a leaf says it is a leaf', () => {
  const w = wc.tensor([1, 2], [2], { requiresGrad: true });
  expect(() => w.backward()).toThrow(/is a leaf/);
  w.dispose();
});

it('a gradient rule that gives an input a gradient of the wrong shape is caught', () => {
  const x = wc.tensor([1, 2, 3], [3], { requiresGrad: true });
  const out = wc.tensor([0], [1]);
  record('broken', out, [x], () => [() => wc.zeros([2])]);
  expect(() => out.backward()).toThrow(/broken's rule gave input 0 a gradient \[2\]; the input is \[3\]/);
  [x, out].forEach((t) => t.dispose());
});

it('record is typed over its inputs: one thunk per input, or tsc fails', () => {
  const [a, b] = [wc.zeros([1]), wc.zeros([1])];
  const out = wc.zeros([1]);
  const grad = () => wc.zeros([1]);
  // The calls below are for the type checker (npm test runs tsc first); none records, as nothing requires grad.
  // @ts-expect-error two inputs, one thunk
  record('short', out, [a, b], () => [grad]);
  // @ts-expect-error one input, two thunks
  record('long', out, [a], () => [grad, grad]);
  // @ts-expect-error an optional input left out still takes its place
  record('bias', out, [a, b, null], () => [grad, grad]);
  record('ok', out, [a, b, null], () => [grad, grad, null]);
  [a, b, out].forEach((t) => t.dispose());
});
