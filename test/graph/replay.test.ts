/**
 * Compiled training steps against the same steps run op by op: bit-identical losses and weights for every demo
 * model, re-planning when what the step does changes, and memory that stays flat over many replays.
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { compiledTrainStep } from '../../src/train/step';
import { zoo, type ModelName } from '../../demo/zoo.mjs';
import { makeUNet } from '../../demo/unet.mjs';
import { collectGarbage, setup } from '../helpers';
import { runtime } from '../../src/gpu/runtime';
import { setRingBytes } from '../../src/graph/step-plan';

beforeAll(setup);

const models = () => zoo(wc.nn);

function batchOf(batch: number, step: number) {
  const images = Float32Array.from({ length: batch * 784 }, (_, i) => Math.sin(i * 0.013 + step * 1.7) * 0.5 + 0.5);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 3 + step) % 10);
  return { images, labels };
}

async function train(name: ModelName, compile: boolean, steps: number, batch: number) {
  wc.manualSeed(7);
  const model = models()[name].make();
  const opt = new wc.optim.Adam(model.parameters(), { lr: 3e-3 });
  const losses: wc.Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    const { images, labels } = batchOf(batch, s);
    losses.push(wc.trainStep(model, opt, images, labels, [batch, 1, 28, 28], { compile }));
  }
  // read only at the end: replays queue up without a readback between them
  const values = await Promise.all(losses.map(async (l) => (await l.data())[0]));
  const weights = await Promise.all(Object.values(model.stateDict()).map(async (t) => Array.from(await t.data())));
  losses.forEach((l) => l.dispose());
  return { values, weights, model, opt };
}

it.each(['tiny', 'small', 'lenet', 'bn-residual', 'mobilenet'] as ModelName[])('%s: 20 replayed steps equal 20 eager ones bit for bit', async (name) => {
  const eager = await train(name, false, 20, 2);
  const replayed = await train(name, true, 20, 2);
  expect(compiledTrainStep(replayed.model, replayed.opt).last).toBe('replayed');
  expect(replayed.values).toEqual(eager.values);
  expect(replayed.weights).toEqual(eager.weights); // running statistics and num_batches_tracked included
  for (const r of [eager, replayed]) {
    r.model.parameters().forEach((p) => p.dispose());
    r.opt.dispose();
  }
}, 120_000);

// The segmentation path: a U-Net as a Module subclass (cat, transposed convolutions, group and batch norm), a
// loss function of per-pixel targets with class weights, two parameter groups, and a schedule moving the lr.
it('a U-Net step with a loss function, mask targets and parameter groups replays bit for bit', async () => {
  const run = async (compile: boolean) => {
    wc.manualSeed(11);
    const model = makeUNet(wc, { width: 2, classes: 3 });
    const params = model.parameters();
    const opt = new wc.optim.Adam([{ params: params.slice(0, 4), lr: 1e-3 }, { params: params.slice(4) }], { lr: 4e-3 });
    const scheduler = new wc.optim.LRScheduler(opt, wc.optim.cosine(4e-3, 6, 1e-4));
    const loss = (out: wc.Tensor, target: wc.Tensor) => wc.crossEntropy(out, target, { weight: [0.5, 1, 2] });
    const [n, size] = [2, 16];
    const data: wc.data.Dataset = {
      length: n, shape: [3, size, size], labelShape: [size, size],
      images: Float32Array.from({ length: n * 3 * size * size }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5),
      labels: Int32Array.from({ length: n * size * size }, (_, i) => (i % 7 === 0 ? 2 : i % 5 === 0 ? 1 : 0)),
    };
    const losses: wc.Tensor[] = [];
    for (let s = 0; s < 6; s++) {
      const batch = { images: data.images, labels: data.labels, size: n };
      losses.push(wc.trainStep(model, opt, data.images, data.labels, [n, 3, size, size], { compile, loss, data, batch }));
      scheduler.step();
    }
    const values = await Promise.all(losses.map(async (l) => (await l.data())[0]));
    const weights = await Promise.all(Object.values(model.stateDict()).map(async (t) => Array.from(await t.data())));
    losses.forEach((l) => l.dispose());
    const last = compiledTrainStep(model, opt, loss).last;
    params.forEach((p) => p.dispose());
    opt.dispose();
    return { values, weights, last };
  };
  const eager = await run(false);
  const replayed = await run(true);
  expect(replayed.last).toBe('replayed');
  expect(replayed.values.every(Number.isFinite)).toBe(true);
  expect(replayed.values).toEqual(eager.values);
  expect(replayed.weights).toEqual(eager.weights);
}, 120_000);

it.each([2048, 37])('runs queued without a readback stay exact when the input ring goes round (flush every %i dispatches)', async (limit) => {
  const batch = runtime().batch;
  const before = batch.maxDispatches;
  setRingBytes(1); // two slots: the third queued run needs the first one's slot
  batch.maxDispatches = limit; // 37: a flush inside most runs
  try {
    const eager = await train('tiny', false, 12, 2);
    const replayed = await train('tiny', true, 12, 2);
    expect(replayed.values).toEqual(eager.values);
    expect(replayed.weights).toEqual(eager.weights);
  } finally {
    setRingBytes(null);
    batch.maxDispatches = before;
  }
}, 120_000);

it('a new batch shape, eval(), a frozen parameter or clipping records a new plan; coming back replays', async () => {
  wc.manualSeed(3);
  const model = models().tiny.make();
  const opt = new wc.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const step = compiledTrainStep(model, opt);
  const run = (batch: number, s = 0) => {
    const { images, labels } = batchOf(batch, s);
    wc.trainStep(model, opt, images, labels, [batch, 1, 28, 28]).dispose();
    return step.last;
  };
  expect([run(2), run(2), run(2)]).toEqual(['once', 'recorded', 'replayed']); // the first call makes SGD's momentum
  expect(run(3)).toBe('recorded');
  expect(run(2)).toBe('replayed');
  model.eval();
  expect(run(2)).toBe('recorded');
  model.train();
  expect(run(2)).toBe('replayed');
  model.parameters()[0].requiresGrad = false;
  expect(run(2)).toBe('recorded');
  model.parameters()[0].requiresGrad = true;
  opt.clipGradNorm(1);
  expect(run(2)).toBe('recorded');
  opt.clipGradNorm(null);
  expect(run(2)).toBe('replayed');
  model.parameters().forEach((p) => p.dispose());
  opt.dispose();
});

it('a module assigned to a field in place of another records a new plan; the old one back replays', async () => {
  wc.manualSeed(4);
  // Written as a PyTorch user would: the head is a plain field, not registered, and can be swapped.
  class Net extends wc.nn.Module {
    body = new wc.nn.Sequential(new wc.nn.Conv2d(1, 4, 3, { padding: 1 }), new wc.nn.ReLU(), new wc.nn.MaxPool2d(4), new wc.nn.Flatten());
    head = new wc.nn.Linear(4 * 7 * 7, 10);
    forward(x: wc.Tensor): wc.Tensor {
      return this.head.forward(this.body.forward(x));
    }
  }
  const model = new Net();
  const opt = new wc.optim.SGD(model.parameters(), { lr: 0.1 });
  const step = compiledTrainStep(model, opt);
  const run = () => {
    const { images, labels } = batchOf(2, 0);
    wc.trainStep(model, opt, images, labels, [2, 1, 28, 28]).dispose();
    return step.last;
  };
  expect([run(), run(), run()]).toEqual(['once', 'recorded', 'replayed']); // the first call makes the optimiser's state
  const first = model.head;
  model.head = new wc.nn.Linear(4 * 7 * 7, 10);
  // recorded anew, and run once: the optimiser does not hold the new head, so its gradients outlive the step
  expect(run()).toBe('once');
  model.head.parameters().forEach((p) => {
    p.grad?.dispose();
    p.dispose();
  });
  model.head = first;
  expect(run()).toBe('replayed');
  model.parameters().forEach((p) => p.dispose());
  opt.dispose();
});

it('memory stays flat over 1,000 replayed steps, and the plan holds less than an eager pool would', async () => {
  wc.manualSeed(5);
  const model = models().tiny.make();
  const opt = new wc.optim.Adam(model.parameters(), { lr: 1e-3 });
  const { images, labels } = batchOf(2, 0);
  let at10: ReturnType<typeof wc.memory> | null = null;
  for (let s = 1; s <= 1000; s++) {
    const loss = wc.trainStep(model, opt, images, labels, [2, 1, 28, 28]);
    if (s % 100 === 0) await loss.data();
    loss.dispose();
    if (s === 10) {
      await collectGarbage(); // earlier tests' forgotten tensors are freed by the safety net on its own schedule
      at10 = wc.memory();
    }
  }
  await wc.sync();
  await collectGarbage();
  const at1000 = wc.memory();
  expect(compiledTrainStep(model, opt).last).toBe('replayed');
  expect(at1000.tensors).toBe(at10!.tensors);
  expect(at1000.bytesInUse).toBe(at10!.bytesInUse);
  expect(at1000.planBytes).toBe(at10!.planBytes);
  const plan = compiledTrainStep(model, opt).plan!;
  // The ring of per-step inputs (up to 32 steps per submit) is staging that eager steps leave inside Dawn's
  // writeBuffer; at batch 2 it is most of the plan. Intermediates and uploads beat the eager pool.
  expect(plan.ringBytes).toBeGreaterThan(0);
  expect(plan.bytes - plan.ringBytes).toBeLessThan(plan.eagerBytes);
  model.parameters().forEach((p) => p.dispose());
  opt.dispose();
}, 120_000);

it('with the autotuner on, a compiled step runs op by op until the winners are in, then records them and replays', async () => {
  // Timings come back at once (a fake source): each candidate gets a time by its name's length.
  wc.tuning.setTimingSource({ time: (name, run, done) => { run(); done(1 + name.length / 100); } });
  wc.tuning.enable(true);
  try {
    wc.manualSeed(9);
    const model = models().tiny.make();
    const opt = new wc.optim.Adam(model.parameters(), { lr: 1e-3 });
    const step = compiledTrainStep(model, opt);
    const modes: Array<string | null> = [];
    for (let s = 0; s < 6; s++) {
      const { images, labels } = batchOf(2, s);
      wc.trainStep(model, opt, images, labels, [2, 1, 28, 28]).dispose();
      modes.push(step.last);
    }
    const eager = modes.filter((m) => m === 'eager').length;
    expect(eager).toBeGreaterThanOrEqual(1);
    expect(modes.slice(0, eager).every((m) => m === 'eager')).toBe(true); // op by op first, while timing
    expect(modes.slice(eager)).toEqual(['recorded', ...Array(5 - eager).fill('replayed')]);
    expect(Object.keys(wc.tuning.export().entries).length).toBeGreaterThan(0); // winners were decided
    model.parameters().forEach((p) => p.dispose());
    opt.dispose();
  } finally {
    wc.tuning.setTimingSource(null);
    wc.tuning.enable(null);
    wc.tuning.clear();
  }
});
