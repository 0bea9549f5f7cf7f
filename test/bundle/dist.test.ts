/**
 * The built package, as an app that installed it gets it: dist/webgpu-cnn.js with its shaders inlined by Vite,
 * not src/ with .wgsl files beside it. Every other test imports src/. The bundle is (re)built here first when it
 * is missing or older than any file in src/ or shaders/, so `npm test` never runs against a stale one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';
import { beforeAll, expect, it } from 'vitest';
import type * as WC from '../../src/index';
import { expectClose } from '../helpers';
import { randomArray } from '../reference/array';
import { conv2dRef } from '../reference/conv';
import { linearRef } from '../reference/linear';
import { crossEntropyRef } from '../reference/softmax';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist/webgpu-cnn.js');

function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? newest(path) : statSync(path).mtimeMs;
  }));
}

let wc: typeof WC;
beforeAll(async () => {
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'shaders')), statSync(join(ROOT, 'vite.config.ts')).mtimeMs);
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < sources) {
    await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
  }
  // A URL in a variable: neither tsc nor Vite follows it, and the bundle loads as Node loads it.
  const url = pathToFileURL(BUNDLE).href;
  wc = (await import(/* @vite-ignore */ url)) as typeof WC;
  await wc.init();
}, 120_000);

const nd = async (t: WC.Tensor) => ({ data: Float64Array.from(await t.data()), shape: [...t.shape] });

it('the bundle computes a conv net\'s loss and gradients like the references, with its inlined shaders', async () => {
  const x = randomArray([2, 1, 6, 6], 1);
  const labels = Int32Array.of(2, 0);
  const conv = new wc.nn.Conv2d(1, 2, 3, { padding: 1, seed: 2 });
  const lin = new wc.nn.Linear(2 * 3 * 3, 3, { seed: 3 });
  const model = new wc.nn.Sequential(conv, new wc.nn.ReLU(), new wc.nn.MaxPool2d(2), new wc.nn.Flatten(), lin);
  const [w1, b1, w2, b2] = await Promise.all([conv.weight, conv.bias!, lin.weight, lin.bias!].map(nd));
  const loss = wc.crossEntropy(model.forward(wc.tensor(Float32Array.from(x.data), x.shape)), labels);

  let h = conv2dRef(x, w1, b1, [1, 1], [1, 1]);
  h = { data: h.data.map((v) => Math.max(v, 0)), shape: h.shape };
  const pooled = new Float64Array(2 * 2 * 3 * 3);
  for (let p = 0; p < 4; p++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    pooled[(p * 3 + i) * 3 + j] = Math.max(...[0, 1].flatMap((a) => [0, 1].map((b) => h.data[p * 36 + (2 * i + a) * 6 + 2 * j + b])));
  }
  const expected = crossEntropyRef(linearRef({ data: pooled, shape: [2, 18] }, w2, b2), labels);
  expectClose(await loss.data(), expected.data, { rtol: 1e-5, atol: 1e-6 }, 'loss');

  loss.backward();
  // the bias of the last layer has a closed form: mean over the batch of softmax - onehot
  const logits = linearRef({ data: pooled, shape: [2, 18] }, w2, b2).data;
  const db = [0, 1, 2].map((k) => [0, 1].reduce((s, n) => {
    const row = [0, 1, 2].map((c) => Math.exp(logits[n * 3 + c]));
    return s + (row[k] / row.reduce((a, v) => a + v, 0) - (labels[n] === k ? 1 : 0)) / 2;
  }, 0));
  expectClose(await lin.bias!.grad!.data(), db, { rtol: 1e-4, atol: 1e-6 }, 'bias gradient');
  for (const p of model.parameters()) expect(p.grad, 'every parameter has a gradient').not.toBeNull();
  model.dispose();
});

it('the bundle trains, saves and loads: fit, evaluate and safetensors through the public API', async () => {
  const images = Float32Array.from(randomArray([16, 1, 4, 4], 5, 0, 1).data);
  const labels = Int32Array.from({ length: 16 }, (_, i) => i % 2);
  const data: WC.data.Dataset = { images, labels, shape: [1, 4, 4], length: 16 } as WC.data.Dataset;
  const model = new wc.nn.Sequential(new wc.nn.Flatten(), new wc.nn.Linear(16, 2, { seed: 4 }));
  const before = await model.parameters()[0].data();
  const history = await wc.fit(model, data, { optimizer: new wc.optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 8 });
  expect(history.length).toBe(2);
  expect(Number.isFinite(history[1].trainLoss)).toBe(true);
  expect(await model.parameters()[0].data()).not.toEqual(before);
  const evaluation = await wc.evaluate(model, data);

  const copy = new wc.nn.Sequential(new wc.nn.Flatten(), new wc.nn.Linear(16, 2, { seed: 9 }));
  wc.io.loadSafetensors(copy, await wc.io.saveSafetensors(model));
  expect(await wc.evaluate(copy, data)).toEqual(evaluation);
  [model, copy].forEach((m) => m.dispose());
});
