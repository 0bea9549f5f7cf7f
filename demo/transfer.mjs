// Transfer learning on real digits, in Node: pretrain a small CNN on digits 0-4, freeze its convolutional
// layers, replace the head, fine-tune on digits 5-9 with only 20 examples per class, and compare with the
// same model trained from scratch on the same 100 examples. Reports accuracy on the 5-9 test digits.
//   npm run transfer [-- --pretrain-epochs 2 --finetune-epochs 30 --seed 1]
import * as wc from '../dist/webgpu-cnn.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const pretrainEpochs = opt('pretrain-epochs', 2);
const finetuneEpochs = opt('finetune-epochs', 30);
const seed = opt('seed', 1);
const { nn } = wc;

const adapter = await wc.init();
console.log(`adapter: ${adapter.description || adapter.device}`);
const { train, test } = await wc.data.mnist();
const low = wc.data.subset(train, (_, label) => label < 5);
const perClass = new Map();
const few = wc.data.subset(train, (_, label) => {
  if (label < 5) return false;
  const n = perClass.get(label) ?? 0;
  perClass.set(label, n + 1);
  return n < 20;
});
const highTest = wc.data.subset(test, (_, label) => label >= 5);
console.log(`pretrain on ${low.length} digits 0-4; fine-tune on ${few.length} digits 5-9 (20 per class); test on ${highTest.length} digits 5-9`);

const features = () => [
  new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
];
const head = () => new nn.Linear(32 * 7 * 7, 10);

// 1. Pretrain on 0-4 and keep the weights as a file, as a user would.
wc.manualSeed(seed);
const pretrained = new nn.Sequential(...features(), head());
let t0 = performance.now();
await wc.fit(pretrained, low, {
  optimizer: new wc.optim.Adam(pretrained.parameters(), { lr: 2e-3 }), epochs: pretrainEpochs, batchSize: 64, seed,
  onEpochEnd: ({ epoch, trainLoss, seconds }) => console.log(`pretrain epoch ${epoch + 1}: loss ${trainLoss.toFixed(4)} (${seconds.toFixed(1)} s)`),
});
const weights = await wc.io.saveSafetensors(pretrained);

// 2. Load, freeze the convolutional layers, replace the head, fine-tune on 100 examples of 5-9.
const model = new nn.Sequential(...features(), head());
wc.io.loadSafetensors(model, weights);
model.layers.slice(0, 7).forEach((layer) => layer.parameters().forEach((p) => (p.requiresGrad = false)));
model.replace(7, head()).dispose();
const finetune = async (m, label) => {
  await wc.fit(m, few, { optimizer: new wc.optim.Adam(m.parameters(), { lr: 2e-3 }), epochs: finetuneEpochs, batchSize: 20, seed });
  const { accuracy } = await wc.evaluate(m, highTest);
  console.log(`${label}: accuracy on digits 5-9 ${(100 * accuracy).toFixed(2)}%`);
  return accuracy;
};
t0 = performance.now();
const transferred = await finetune(model, 'pretrained features + new head');

// 3. The same architecture from scratch on the same 100 examples.
wc.manualSeed(seed + 1);
const scratch = new nn.Sequential(...features(), head());
const fromScratch = await finetune(scratch, 'from scratch           ');
console.log(`transfer ${(100 * transferred).toFixed(2)}% vs scratch ${(100 * fromScratch).toFixed(2)}% (${((performance.now() - t0) / 1000).toFixed(1)} s fine-tuning)`);
process.exit(0);
