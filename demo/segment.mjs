// Semantic segmentation of digits: 2-3 real MNIST digits on each 64x64 RGB canvas (random colours, noisy
// coloured backgrounds), a class per pixel (background or the digit), a small U-Net (demo/unet.mjs) trained
// with per-pixel cross-entropy, and the mean IoU over the 11 classes on held-out canvases made from the test
// digits. The default run (200 steps of 16 canvases) was meant for about 5 minutes on an idle 2-core SwiftShader
// machine; measured on a shared one (load average 5-8), it took 25.6 minutes and reached a mean IoU of only 0.11:
// background 0.99, the digits' identities not yet learned. Reaching 0.8 needs more steps than that budget gives.
//
//   npm run segment
//   npm run segment -- --canvases 8000 --epochs 10 --width 16 --batch 32     bigger, for a GPU
//   options: --canvases N (training) --test N --epochs N --batch N --lr X --width N --bg-weight X --seed N --out FILE
import { writeFile } from 'node:fs/promises';
import * as wc from '../dist/webgpu-cnn.js';
import { makeUNet } from './unet.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const trainCount = Number(opt('canvases', '1600'));
const testCount = Number(opt('test', '200'));
const epochs = Number(opt('epochs', '2'));
const batchSize = Number(opt('batch', '16'));
const lr = Number(opt('lr', '1e-2'));
const width = Number(opt('width', '8'));
const seed = Number(opt('seed', '1'));
const out = opt('out', 'segment-unet.safetensors');
const bgWeight = Number(opt('bg-weight', '0.5'));
const classes = wc.data.CANVAS_CLASSES;

const adapter = await wc.init();
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}/${adapter.architecture})`);
const t0 = performance.now();
const digits = await wc.data.mnist();
// Held-out canvases use only test digits, so no digit seen in training is scored.
const train = wc.data.digitCanvases(digits.train, { count: trainCount, seed });
const test = wc.data.digitCanvases(digits.test, { count: testCount, seed: seed + 1000 });
console.log(`${trainCount} training and ${testCount} held-out 64x64 canvases with 2-3 digits each, made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

wc.manualSeed(seed);
const model = makeUNet(wc, { width, classes });
const optimizer = new wc.optim.Adam(model.parameters(), { lr });
// Background is most of every canvas: weighing it less makes the digits' pixels count for more.
const weight = [bgWeight, ...new Array(classes - 1).fill(1)];
const loss = (output, target) => wc.crossEntropy(output, target, { weight });
const stepsPerEpoch = Math.ceil(trainCount / batchSize);
const scheduler = new wc.optim.LRScheduler(optimizer, wc.optim.cosine(lr, epochs * stepsPerEpoch, lr / 20));
console.log(wc.summary(model, [1, 3, 64, 64]));
console.log(`Adam lr ${lr} (cosine decay), batch ${batchSize}, ${epochs} epochs of ${stepsPerEpoch} steps`);

let last = performance.now();
const history = await wc.fit(model, train, {
  optimizer,
  scheduler,
  loss,
  epochs,
  batchSize,
  seed,
  validation: test,
  lossEvery: 10,
  onBatchEnd: ({ epoch, batch, batches, loss }) => {
    if (loss === undefined) return;
    const now = performance.now();
    process.stdout.write(`\repoch ${epoch + 1} step ${batch + 1}/${batches}: loss ${loss.toFixed(4)} (${((now - last) / 10).toFixed(0)} ms/step)   `);
    last = now;
  },
  onEpochEnd: ({ epoch, trainLoss, validation, seconds }) => {
    const iou = wc.meanIoU(validation.predictions, test.labels, classes);
    console.log(`\nepoch ${epoch + 1}/${epochs}: train loss ${trainLoss.toFixed(4)}, held-out loss ${validation.loss.toFixed(4)}, ` +
      `pixel accuracy ${(100 * validation.accuracy).toFixed(2)}%, mean IoU ${iou.mean.toFixed(3)}, ${seconds.toFixed(1)} s`);
    console.log(`  IoU per class: ${iou.perClass.map((v) => v.toFixed(2)).join(' ')}`);
    last = performance.now();
  },
});
const final = history[history.length - 1].validation;
const iou = wc.meanIoU(final.predictions, test.labels, classes);
const names = ['background', ...Array.from({ length: 10 }, (_, d) => String(d))];
console.log(`IoU per class: ${iou.perClass.map((v, c) => `${names[c]} ${v.toFixed(2)}`).join(', ')}`);
const total = (performance.now() - t0) / 1000;
console.log(`final mean IoU ${iou.mean.toFixed(3)} on ${testCount} held-out canvases; ${total.toFixed(1)} s in all`);
await writeFile(out, await wc.io.saveSafetensors(model, { model: 'unet', width: String(width), meanIoU: iou.mean.toFixed(4) }));
console.log(`weights written to ${out}`);
process.exit(0);
