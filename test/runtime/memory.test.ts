import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { setup } from '../helpers';

beforeAll(setup);

it('bytesInUse is flat across 1,000 ops, with intermediates disposed by scope', async () => {
  const w = wc.rand([16, 16], { seed: 1 });
  let x = wc.rand([8, 16], { seed: 2 });
  const step = () => {
    const next = wc.scope(() => wc.tanh(wc.add(wc.matmul(x, w), wc.full([16], 0.01))));
    x.dispose();
    x = next;
  };
  for (let i = 0; i < 10; i++) step();
  await x.data();
  const base = wc.memory();
  for (let i = 0; i < 1000; i++) step(); // 3,000 kernels
  await x.data();
  const after = wc.memory();
  expect(after.bytesInUse).toBe(base.bytesInUse);
  expect(after.tensors).toBe(base.tensors);
  expect(after.peakBytes).toBe(base.peakBytes);
  // Disposed, not dropped: the collector would otherwise free them in the middle of a later test's count.
  w.dispose();
  x.dispose();
});

it('training-style steps with backward keep memory flat', async () => {
  const w = wc.rand([16, 4], { seed: 5, low: -0.5, high: 0.5 });
  w.requiresGrad = true;
  const x = wc.rand([8, 16], { seed: 6 });
  const step = () => {
    wc.scope(() => {
      const loss = wc.mean(wc.mul(wc.sigmoid(wc.matmul(x, w)), wc.full([1], 2)));
      loss.backward();
    });
    w.grad?.dispose();
    w.grad = null;
  };
  for (let i = 0; i < 10; i++) step();
  await x.data();
  const base = wc.memory();
  for (let i = 0; i < 200; i++) step();
  await x.data();
  expect(wc.memory().bytesInUse).toBe(base.bytesInUse);
  expect(wc.memory().tensors).toBe(base.tensors);
  w.dispose();
  x.dispose();
});

it('dispose and scope release buffers to the pool', async () => {
  const before = wc.memory();
  const kept = wc.scope(() => {
    const a = wc.ones([1000]);
    const b = wc.add(a, a);
    return { b, plain: 3 };
  });
  expect(wc.memory().tensors).toBe(before.tensors + 1);
  kept.b.dispose();
  kept.b.dispose(); // twice is harmless
  expect(wc.memory().tensors).toBe(before.tensors);
  expect(wc.memory().bytesInUse).toBe(before.bytesInUse);
  await expect(kept.b.data()).rejects.toThrow(/used after dispose/);
});
