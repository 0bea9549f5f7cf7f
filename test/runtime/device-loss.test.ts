/**
 * A lost device mid-training: a read in flight rejects saying so, every later call says so, and init() again
 * with the weights reloaded from safetensors lets training continue where it was.
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { setup } from '../helpers';

beforeAll(setup);

const { nn, optim } = wc;
const build = () => {
  wc.manualSeed(7);
  return new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8, 2));
};
const data: wc.data.Dataset = {
  images: new Float32Array(8 * 16).map((_, i) => ((i * 37) % 11) / 11),
  labels: Int32Array.from({ length: 8 }, (_, i) => i % 2),
  shape: [1, 4, 4],
  length: 8,
};

it('survives device.destroy() mid-training: clear errors, init() again, reload weights, continue', async () => {
  const model = build();
  await wc.fit(model, data, { optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }), epochs: 2, batchSize: 4 });
  const saved = await wc.io.saveSafetensors(model);
  const expected = await model.parameters()[0].data();

  // A read in flight when the device goes.
  const x = wc.rand([4, 1, 4, 4], { seed: 1 });
  const reading = wc.noGrad(() => model.forward(x)).data();
  runtime().device.destroy();
  await expect(reading).rejects.toThrow(/webgpu-cnn: reading tensor \[4, 2\] back failed because the GPU device was lost .*call init\(\) again/);

  // Every later call says the same, before recording anything.
  expect(() => wc.zeros([2])).toThrow(/the GPU device was lost .*call init\(\) again/);
  await expect(wc.fit(model, data, { optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), batchSize: 4 })).rejects.toThrow(/device was lost/);

  await wc.init();
  const fresh = build();
  wc.io.loadSafetensors(fresh, saved);
  expect(Array.from(await fresh.parameters()[0].data())).toEqual(Array.from(expected));
  const history = await wc.fit(fresh, data, { optimizer: new optim.Adam(fresh.parameters(), { lr: 0.01 }), epochs: 1, batchSize: 4 });
  expect(Number.isFinite(history[0].trainLoss)).toBe(true);
  const evaluation = await wc.evaluate(fresh, data);
  expect(evaluation.accuracy).toBeGreaterThanOrEqual(0);
  fresh.dispose();
});
