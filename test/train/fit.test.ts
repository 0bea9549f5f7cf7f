import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { collectGarbage, setup } from '../helpers';

beforeAll(setup);

const { nn } = wc;
let digits: { train: wc.data.Dataset; test: wc.data.Dataset };
beforeAll(async () => {
  digits = await wc.data.mnist();
});

it('reads the real MNIST digits with the fixed split', () => {
  expect(digits.train.length).toBe(8000);
  expect(digits.test.length).toBe(2000);
  expect(digits.train.shape).toEqual([1, 28, 28]);
  // Sample g = 4 (the fifth '0') is the first test digit; g = 1001 + 3 = 1004 is the first test '1'.
  expect(digits.test.labels[0]).toBe(0);
  expect(Array.from(digits.test.labels).filter((l) => l === 0).length).toBe(200); // 1001 zeros: g = 4, 9, ..., 999
  const pixels = digits.train.images;
  expect(Math.min(...pixels.subarray(0, 784 * 50))).toBe(0);
  expect(Math.max(...pixels.subarray(0, 784 * 50))).toBeLessThanOrEqual(1);
});

const small = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(4),
    new nn.Flatten(), new nn.Linear(8 * 3 * 3, 10));

it('a short training run lowers the loss, with seeded, repeatable batches', async () => {
  const data = wc.data.subset(digits.train, (i) => i < 512);
  wc.manualSeed(1);
  const model = small();
  const optimizer = new wc.optim.Adam(model.parameters(), { lr: 5e-3 });
  const losses: number[] = [];
  await wc.fit(model, data, { optimizer, epochs: 3, batchSize: 64, lossEvery: 4, onBatchEnd: ({ loss }) => void (loss !== undefined && losses.push(loss)) });
  expect(losses.length).toBe(6);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);
  const evaluation = await wc.evaluate(model, wc.data.subset(digits.test, (i) => i < 200));
  expect(evaluation.accuracy).toBeGreaterThan(0.3);
  expect(evaluation.predictions.length).toBe(200);
});

it('a training loop holds its memory flat', async () => {
  const model = small();
  const optimizer = new wc.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const batch = wc.data.subset(digits.train, (i) => i < 16);
  const step = () => wc.trainStep(model, optimizer, batch.images, batch.labels, [16, 1, 28, 28]).dispose();
  const settle = async () => {
    await collectGarbage();
    const probe = wc.zeros([1]);
    await probe.data(); // waits for the recorded steps
    probe.dispose();
    return wc.memory();
  };
  for (let i = 0; i < 10; i++) step();
  const base = await settle();
  for (let i = 0; i < 40; i++) step();
  const after = await settle();
  expect(after).toEqual(base);
});

it('transfer learning: frozen layers stay exactly as loaded while a new head learns', async () => {
  wc.manualSeed(5);
  const pre = small();
  const pretrainData = wc.data.subset(digits.train, (i, label) => label < 5 && i < 1500);
  await wc.fit(pre, pretrainData, { optimizer: new wc.optim.Adam(pre.parameters(), { lr: 5e-3 }), epochs: 1, batchSize: 64 });
  const bytes = await wc.io.saveSafetensors(pre);

  const model = small();
  wc.io.loadSafetensors(model, bytes);
  const frozen = model.layers.slice(0, 6).flatMap((m) => m.parameters());
  frozen.forEach((p) => (p.requiresGrad = false));
  model.replace(7, new nn.Linear(8 * 3 * 3, 10, { seed: 9 }));
  const before = await Promise.all(frozen.map((p) => p.data()));
  const head = model.layers[7] as wc.nn.Linear;
  const headBefore = await head.weight.data();

  const few = wc.data.subset(digits.train, (i, label) => label >= 5 && i % 40 === 0);
  await wc.fit(model, few, { optimizer: new wc.optim.Adam(model.parameters(), { lr: 1e-2 }), epochs: 2, batchSize: 32 });
  const after = await Promise.all(frozen.map((p) => p.data()));
  after.forEach((a, i) => expect(a).toEqual(before[i]));
  frozen.forEach((p) => expect(p.grad).toBeNull());
  expect(await head.weight.data()).not.toEqual(headBefore);
});
