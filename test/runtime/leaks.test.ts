/**
 * Memory over 1,000 steps of the three natural training loops (fit, a scope loop, and a PyTorch-style loop that
 * never disposes what forward returns), the FinalizationRegistry safety net, and the leak tracker. Tiny model,
 * batch 2, so each loop takes seconds on SwiftShader. global.gc comes from --expose-gc (vite.config.ts).
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { collectGarbage, setup } from '../helpers';

beforeAll(setup);

const { nn, optim } = wc;
const gc = (globalThis as { gc?: () => void }).gc;

const collect = collectGarbage;

const tiny = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
const x = () => wc.tensor(Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), [2, 1, 2, 2]);
const labels = Int32Array.from([0, 1]);

it('global.gc is exposed to the tests', () => {
  expect(typeof gc).toBe('function');
});

it('fit: 1,000 steps hold memory flat', async () => {
  const model = tiny();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const data: wc.data.Dataset = { images: new Float32Array(20 * 4).map((_, i) => (i % 7) / 7), labels: Int32Array.from({ length: 20 }, (_, i) => i % 2), shape: [1, 2, 2], length: 20 };
  await wc.fit(model, data, { optimizer, epochs: 1, batchSize: 2 }); // 10 steps
  await collect();
  const base = wc.memory();
  await wc.fit(model, data, { optimizer, epochs: 100, batchSize: 2, lossEvery: 50 }); // 1,000 steps
  await collect();
  const after = wc.memory();
  expect(after.tensors).toBe(base.tensors);
  expect(after.bytesInUse).toBe(base.bytesInUse);
  model.dispose();
  optimizer.dispose();
});

it('a scope loop: 1,000 steps hold memory flat', async () => {
  const model = tiny();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const input = x();
  const step = () => {
    wc.scope(() => wc.crossEntropy(model.forward(input), labels).backward());
    optimizer.step();
    optimizer.zeroGrad();
  };
  for (let i = 0; i < 10; i++) step();
  await wc.sync();
  await collect();
  const base = wc.memory();
  for (let i = 0; i < 1000; i++) step();
  await wc.sync();
  const after = wc.memory();
  expect(after.tensors).toBe(base.tensors);
  expect(after.bytesInUse).toBe(base.bytesInUse);
  model.dispose();
  optimizer.dispose();
  input.dispose();
});

it('a PyTorch-style loop that never disposes the logits stays bounded', async () => {
  const model = tiny();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const input = x();
  const step = () => {
    optimizer.zeroGrad();
    const loss = wc.crossEntropy(model.forward(input), labels); // the logits are dropped, never disposed
    loss.backward();
    optimizer.step();
    loss.dispose();
  };
  for (let i = 0; i < 10; i++) step();
  await wc.sync();
  await collect();
  const base = wc.memory();
  let most = 0;
  for (let i = 0; i < 1000; i++) {
    step();
    if (i % 100 === 99) {
      await wc.sync();
      await collect();
      most = Math.max(most, wc.memory().tensors);
    }
  }
  await collect();
  const after = wc.memory();
  expect(most).toBeLessThanOrEqual(base.tensors + 2);
  expect(after.tensors).toBe(base.tensors);
  expect(after.bytesInUse).toBe(base.bytesInUse);
  model.dispose();
  optimizer.dispose();
  input.dispose();
});

it('the safety net frees a view and its base independently, and never twice after dispose()', async () => {
  await collect();
  const base = wc.memory();
  (() => {
    const a = wc.ones([64]);
    const v = wc.reshape(a, [8, 8]); // shares a's storage
    a.dispose(); // explicit: unregistered, so the collector must not release it again
    void v;
  })();
  expect(wc.memory().tensors).toBe(base.tensors + 1);
  await collect();
  expect(wc.memory().tensors).toBe(base.tensors);
  expect(wc.memory().bytesInUse).toBe(base.bytesInUse);
  const kept = wc.ones([64]);
  const view = wc.reshape(kept, [64]);
  await collect();
  view.dispose();
  expect(Array.from(await kept.data()).every((v) => v === 1)).toBe(true); // still its own storage
  kept.dispose();
});

it('nn.Residual frees its block output, in training and under noGrad', async () => {
  const res = new nn.Residual(new nn.Sequential(new nn.Linear(3, 3), new nn.Tanh()));
  const input = wc.rand([2, 3], { seed: 3 });
  const before = wc.memory().tensors;
  // Training: what is left after backward is the result alone (the tape's saved views are released).
  const y = res.forward(input);
  const loss = wc.sum(y);
  loss.backward();
  loss.dispose();
  res.parameters().forEach((p) => (p.grad?.dispose(), (p.grad = null)));
  expect(wc.memory().tensors).toBe(before + 1);
  y.dispose();
  for (const mode of ['noGrad', 'eval'] as const) {
    if (mode === 'eval') res.eval();
    const z = wc.noGrad(() => res.forward(input));
    expect(wc.memory().tensors, mode).toBe(before + 1);
    z.dispose();
  }
  expect(wc.memory().tensors).toBe(before);
  res.dispose();
  input.dispose();
});

it('debug.trackLeaks lists live tensors with where they were made', async () => {
  wc.debug.trackLeaks(true);
  const forgotten = wc.zeros([3, 5]);
  const freed = wc.ones([2]);
  freed.dispose();
  const leaks = wc.debug.leaks();
  wc.debug.trackLeaks(false);
  expect(leaks.map((l) => l.shape)).toEqual([[3, 5]]);
  expect(leaks[0].createdAt).toContain('leaks.test.ts');
  forgotten.dispose();
  expect(wc.debug.leaks()).toEqual([]);
});
