import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { compileStep } from '../../src/graph/compile';
import { collectGarbage, setup } from '../helpers';
import { runtime } from '../../src/gpu/runtime';

beforeAll(setup);

const tiny = (seed: number) => {
  wc.manualSeed(seed);
  return new wc.nn.Sequential(
    new wc.nn.Conv2d(1, 4, 3, { padding: 1 }), new wc.nn.ReLU(), new wc.nn.MaxPool2d(2),
    new wc.nn.Flatten(), new wc.nn.Linear(4 * 4 * 4, 3));
};

function batchOf(step: number, n: number) {
  const images = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37 + step));
  const labels = Int32Array.from({ length: n }, (_, i) => (i + step) % 3);
  return { images, labels };
}

it('a compiled step replays the eager step bit for bit', async () => {
  const eagerModel = tiny(3);
  const eagerOpt = new wc.optim.Adam(eagerModel.parameters(), { lr: 1e-2 });
  const planModel = tiny(3);
  const planOpt = new wc.optim.Adam(planModel.parameters(), { lr: 1e-2 });
  const step = compileStep((x, y) => {
    const loss = wc.scope(() => wc.crossEntropy(planModel.forward(x), y));
    loss.backward();
    planOpt.step();
    planOpt.zeroGrad();
    return loss;
  });
  const modes: Array<string | null> = [];
  for (let s = 0; s < 6; s++) {
    const { images, labels } = batchOf(s, 2);
    const eagerLoss = wc.scope(() => wc.crossEntropy(eagerModel.forward(wc.tensor(images, [2, 1, 8, 8])), labels));
    eagerLoss.backward();
    eagerOpt.step();
    eagerOpt.zeroGrad();
    const planLoss = step({ data: images, shape: [2, 1, 8, 8] }, { data: Float32Array.from(labels), shape: [2] });
    modes.push(step.last);
    expect(Array.from(await planLoss.data())).toEqual(Array.from(await eagerLoss.data()));
    planLoss.dispose();
    eagerLoss.dispose();
  }
  expect(modes).toEqual(['once', 'recorded', 'replayed', 'replayed', 'replayed', 'replayed']);
  const a = eagerModel.parameters();
  const b = planModel.parameters();
  for (let i = 0; i < a.length; i++) expect(Array.from(await b[i].data())).toEqual(Array.from(await a[i].data()));
  step.dispose();
});

it('wc.compile builds the pipelines of forward and backward ahead, runs nothing and changes no state', async () => {
  wc.manualSeed(11);
  const model = new wc.nn.Sequential(
    new wc.nn.Conv2d(1, 3, 5, { padding: 2 }), new wc.nn.ReLU(), new wc.nn.AvgPool2d(2),
    new wc.nn.Flatten(), new wc.nn.Dropout(0.5), new wc.nn.Linear(3 * 3 * 3, 4));
  const rt = runtime();
  const weights = await Promise.all(model.parameters().map((p) => p.data()));
  const before = { pipelines: rt.pipelines.pipelinesCreated };
  wc.manualSeed(12);
  const nextSeedBefore = (await wc.rand([1]).data())[0];
  wc.manualSeed(12); // the same sequence again: compile (its dropout) must not draw from it
  await collectGarbage(); // earlier tests' unreachable tensors are freed on the collector's schedule, not by compile
  const held = wc.memory();
  await wc.compile(model, [2, 1, 7, 7]);
  expect(wc.memory()).toMatchObject({ tensors: held.tensors, bytesInUse: held.bytesInUse });
  expect((await wc.rand([1]).data())[0]).toBe(nextSeedBefore);
  expect(rt.pipelines.pipelinesCreated).toBeGreaterThan(before.pipelines + 5);
  expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  const after = await Promise.all(model.parameters().map((p) => p.data()));
  expect(after.map((w) => Array.from(w))).toEqual(weights.map((w) => Array.from(w)));
  // a training step now builds no pipeline of its forward or backward pass synchronously
  const built = rt.pipelines.pipelinesCreated;
  const opt = new wc.optim.SGD(model.parameters(), { lr: 0.1 });
  const loss = wc.trainStep(model, opt, new Float32Array(2 * 49).fill(0.5), Int32Array.of(1, 2), [2, 1, 7, 7], { compile: false });
  await loss.data();
  expect(rt.pipelines.pipelinesCreated - built).toBeLessThanOrEqual(2); // the optimiser's update kernel
  loss.dispose();
  opt.dispose();
  model.parameters().forEach((p) => p.dispose());
});
