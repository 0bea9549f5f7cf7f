import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { compileStep } from '../../src/graph/compile';
import { setup } from '../helpers';

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
