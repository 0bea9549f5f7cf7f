// The main job: trains a CNN on the real MNIST digits in Node, on the default WebGPU adapter (SwiftShader when
// there is no GPU), shows a progress bar per epoch, the train loss, test accuracy and time of each epoch, and
// writes the weights as a .safetensors file.
//
//   npm run train                         tiny CNN, the default, sized to finish in minutes on a CPU adapter
//   npm run train -- --model lenet --epochs 3     bigger models for machines with a GPU: small, lenet, bn-residual
//   npm run train -- --model mobilenet            a MobileNet-style depthwise-separable network
//   options: --epochs N --batch N --lr X --seed N --out FILE
// The autotuner's winners (wc.tuning) are kept in tuning-<adapter>.json beside the weights: read at the start
// when present, written at the end, so a second run on the same GPU times no kernels.
// The models and their names are the demo page's (demo/models.ts), so the page loads the weights written here.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import * as wc from '../dist/webgpu-cnn.js';
import { zoo } from './zoo.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const { nn } = wc;
const models = Object.fromEntries(Object.entries(zoo(nn)).map(([name, m]) => [name, m.make]));

const modelName = opt('model', 'tiny');
if (!models[modelName]) throw new Error(`unknown --model ${modelName}; choose one of ${Object.keys(models).join(', ')}`);
const epochs = Number(opt('epochs', '6'));
const batchSize = Number(opt('batch', '32'));
const lr = Number(opt('lr', '5e-3'));
const seed = Number(opt('seed', '1'));
const out = opt('out', `mnist-${modelName}.safetensors`);
const maxSteps = Number(opt('steps', '0')); // > 0: stop each epoch after this many batches (quick checks)

// Dawn rounds timestamps to ~65 us unless told not to; the autotuner times kernels shorter than that.
const adapter = await wc.init({ dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}/${adapter.architecture})`);
const adapterSlug = [adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join('-').replace(/[^A-Za-z0-9._-]+/g, '_') || 'adapter';
const tuningFile = path.join(path.dirname(out), `tuning-${adapterSlug}.json`);
try {
  wc.tuning.import(JSON.parse(await readFile(tuningFile, 'utf8')));
  console.log(`kernel tuning read from ${tuningFile}`);
} catch (e) {
  if (e.code !== 'ENOENT') console.warn(`ignoring ${tuningFile}: ${e.message}`);
}
const t0 = performance.now();
const { train, test } = await wc.data.mnist();
console.log(`MNIST: ${train.length} train / ${test.length} test digits, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

wc.manualSeed(seed);
const model = models[modelName]();
const optimizer = new wc.optim.Adam(model.parameters(), { lr });
// Cosine decay from lr to 0 over the whole run: large steps early, fine ones at the end.
const scheduler = new wc.optim.LRScheduler(optimizer, wc.optim.cosine(lr, epochs * Math.ceil(train.length / batchSize)));
console.log(`model ${modelName}: ${model.parameters().reduce((n, p) => n + p.size, 0)} parameters; Adam lr ${lr} (cosine decay), batch ${batchSize}, ${epochs} epochs`);

const bar = new cliProgress.SingleBar(
  { format: 'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {rate} steps/s', hideCursor: true, clearOnComplete: false },
  cliProgress.Presets.shades_classic,
);
let epochStart = performance.now();
let steps = 0;
// The last batch whose loss was read back: the GPU had finished every step up to it, so this times training
// apart from the test pass at the epoch's end.
let trained = { steps: 0, at: epochStart };
const history = await wc.fit(model, train, {
  optimizer,
  scheduler,
  epochs,
  batchSize,
  seed,
  validation: test,
  lossEvery: 10,
  shouldStop: () => maxSteps > 0 && steps >= maxSteps,
  onBatchEnd: ({ epoch, batch, batches, loss }) => {
    steps++;
    if (batch === 0) bar.start(maxSteps > 0 ? Math.min(maxSteps, batches) : batches, 0, { epoch: epoch + 1, loss: '  …  ', rate: '…' });
    if (loss !== undefined) trained = { steps: batch + 1, at: performance.now() };
    const rate = ((batch + 1) / ((performance.now() - epochStart) / 1000)).toFixed(1);
    bar.update(batch + 1, loss === undefined ? { rate } : { loss: loss.toFixed(4), rate });
  },
  onEpochEnd: ({ epoch, trainLoss, validation, seconds }) => {
    bar.stop();
    steps = 0;
    const perStep = trained.steps ? ` (${((trained.at - epochStart) / trained.steps).toFixed(0)} ms per training step)` : '';
    console.log(`epoch ${epoch + 1}/${epochs}: train loss ${trainLoss.toFixed(4)}, test loss ${validation.loss.toFixed(4)}, ` +
      `test accuracy ${(100 * validation.accuracy).toFixed(2)}%, ${seconds.toFixed(1)} s${perStep}`);
    epochStart = performance.now();
    trained = { steps: 0, at: epochStart };
  },
});
const final = history[history.length - 1].validation;
const total = (performance.now() - t0) / 1000;
console.log(`final test accuracy ${(100 * final.accuracy).toFixed(2)}% on ${test.length} digits; ${total.toFixed(1)} s in all`);
await writeFile(out, await wc.io.saveSafetensors(model, { model: modelName, accuracy: final.accuracy.toFixed(4) }));
console.log(`weights written to ${out}`);
if (wc.tuning.enabled) {
  await writeFile(tuningFile, JSON.stringify(wc.tuning.export(), null, 1));
  console.log(`kernel tuning written to ${tuningFile}`);
}
process.exit(0);
