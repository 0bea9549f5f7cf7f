import { beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { collectGarbage, expectClose, setup } from '../helpers';

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

it('a short training run lowers the loss, and the same seed repeats it exactly while another seed does not', async () => {
  // Digits 7, 8 and 9, learnt in a few steps. The data are ordered by digit: the first 512 samples would all be
  // zeros, and a model that always answers 0 passes every check of loss and accuracy.
  const data = wc.data.subset(digits.train, (i, label) => label >= 7 && i % 5 === 0);
  expect(new Set(data.labels).size).toBe(3);
  const train = async (seed: number, epochs = 3) => {
    wc.manualSeed(1);
    const model = small();
    const optimizer = new wc.optim.Adam(model.parameters(), { lr: 5e-3 });
    const losses: number[] = [];
    await wc.fit(model, data, { optimizer, epochs, batchSize: 64, lossEvery: 4, seed, onBatchEnd: ({ loss }) => void (loss !== undefined && losses.push(loss)) });
    return { model, losses };
  };
  const { model, losses } = await train(0);
  expect(losses.length).toBe(6);
  expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);
  // a first epoch from the same seed sees the same batches (bit for bit the same losses), another seed others
  expect((await train(0, 1)).losses).toEqual(losses.slice(0, 2));
  expect((await train(1, 1)).losses).not.toEqual(losses.slice(0, 2));

  const test = wc.data.subset(digits.test, (i, label) => label >= 7 && i % 4 === 3);
  expect(test.length % 64).not.toBe(0); // a last, partial batch
  const evaluation = await wc.evaluate(model, test, { batchSize: 64 });
  expect(evaluation.accuracy).toBeGreaterThan(0.3);
  // evaluate against the logits of the same model, scored on the CPU in float64: mean cross-entropy, argmax
  const logits = await wc.noGrad(() => model.eval().forward(wc.tensor(test.images, [test.length, ...test.shape]))).data();
  let loss = 0;
  const predictions = new Int32Array(test.length);
  for (let n = 0; n < test.length; n++) {
    const row = Array.from(logits.subarray(n * 10, n * 10 + 10));
    const max = Math.max(...row);
    loss += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[test.labels[n]];
    predictions[n] = row.indexOf(max);
  }
  expect(evaluation.predictions).toEqual(predictions);
  expect(evaluation.loss).toBeCloseTo(loss / test.length, 5);
  expect(evaluation.accuracy).toBe(predictions.filter((p, n) => p === test.labels[n]).length / test.length);
  expect(model.training).toBe(false); // evaluate gives the model back in the mode it found it in
});

describe('fit\'s options, held against the same steps taken by hand', () => {
  // A model small enough that each run is quick; both runs start from the same weights.
  const data = () => wc.data.subset(digits.train, (i) => i % 100 === 7);
  const linear = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10, { seed: 3 }));
  const weights = (m: wc.nn.Module) => Promise.all(m.parameters().map((p) => p.data()));

  /** trainStep over the given batch orders (one per epoch): what fit should do; returns the model and each step's loss. */
  async function byHand(orders: Int32Array[], batchSize: number, opts: { steps?: number; schedule?: wc.optim.Schedule } = {}) {
    const model = linear();
    const optimizer = new wc.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const scheduler = opts.schedule ? new wc.optim.LRScheduler(optimizer, opts.schedule) : null;
    const losses: number[] = [];
    const set = data();
    for (const order of orders) {
      for (const batch of wc.data.batches(set, batchSize, order)) {
        if (opts.steps !== undefined && losses.length === opts.steps) break;
        const loss = wc.trainStep(model, optimizer, batch.images, batch.labels, [batch.size, ...set.shape]);
        scheduler?.step();
        losses.push((await loss.data())[0]);
        loss.dispose();
      }
    }
    return { model, losses, optimizer };
  }

  const orderOf = (n: number, seed: number, epochs: number) => {
    const random = wc.data.seededRandom(seed);
    return Array.from({ length: epochs }, () => wc.data.epochOrder(n, random));
  };

  it('shuffles each epoch from `seed`, or keeps the order with shuffle: false; the history has each epoch\'s mean loss', async () => {
    for (const [shuffle, seed] of [[true, 5], [false, 0]] as const) {
      const model = linear();
      const optimizer = new wc.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const ended: wc.EpochEnd[] = [];
      const history = await wc.fit(model, data(), { optimizer, epochs: 2, batchSize: 32, shuffle, seed, onEpochEnd: (e) => void ended.push(e) });
      const orders = shuffle ? orderOf(80, seed, 2) : [0, 1].map(() => Int32Array.from({ length: 80 }, (_, i) => i));
      const hand = await byHand(orders, 32);
      const ours = await weights(model);
      (await weights(hand.model)).forEach((w, i) => expectClose(ours[i], w, { rtol: 1e-5, atol: 1e-6 }, `shuffle ${shuffle}: parameter ${i}`));
      expect(history.map((h) => h.epoch)).toEqual([0, 1]);
      expect(ended).toEqual(history);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expectClose(history.map((h) => h.trainLoss), [mean(hand.losses.slice(0, 3)), mean(hand.losses.slice(3))], { rtol: 1e-5 }, 'epoch losses');
      history.forEach((h) => expect(h.seconds).toBeGreaterThan(0));
    }
  });

  it('steps the scheduler after every optimiser step', async () => {
    const schedule = wc.optim.stepDecay(0.05, 2, 0.1);
    const model = linear();
    const optimizer = new wc.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const scheduler = new wc.optim.LRScheduler(optimizer, schedule);
    await wc.fit(model, data(), { optimizer, scheduler, epochs: 1, batchSize: 16, shuffle: false });
    expect(optimizer.lr).toBeCloseTo(schedule(5), 12);
    const hand = await byHand([Int32Array.from({ length: 80 }, (_, i) => i)], 16, { schedule });
    const ours = await weights(model);
    (await weights(hand.model)).forEach((w, i) => expectClose(ours[i], w, { rtol: 1e-5, atol: 1e-6 }, `parameter ${i}`));
  });

  it('stops before the next batch once shouldStop says so, and evaluates `validation` after each epoch', async () => {
    const model = linear();
    const optimizer = new wc.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const validation = wc.data.subset(digits.test, (i) => i % 40 === 1);
    let batchesSeen = 0;
    const history = await wc.fit(model, data(), {
      optimizer, validation, epochs: 3, batchSize: 16, shuffle: false,
      onBatchEnd: () => void batchesSeen++,
      shouldStop: () => batchesSeen === 2,
    });
    expect(batchesSeen).toBe(2);
    expect(history.length).toBe(1);
    const hand = await byHand([Int32Array.from({ length: 80 }, (_, i) => i)], 16, { steps: 2 });
    const ours = await weights(model);
    (await weights(hand.model)).forEach((w, i) => expectClose(ours[i], w, { rtol: 1e-5, atol: 1e-6 }, `parameter ${i}`));
    expect(history[0].validation).toEqual(await wc.evaluate(model, validation));
    expect(history[0].validation!.predictions.length).toBe(50);
  });
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
