// Replay against op by op on this adapter: the tests (test/graph/replay.test.ts) hold compiled steps to the eager
// ones bit for bit on SwiftShader; this does the same on a real GPU, where other kernels run, and runs the eager
// path twice as well, so that a kernel whose result changes from run to run shows as such and not as a replay bug.
//   npm run build && node bench/replay-exact.mjs [--steps 12] [--models tiny,lenet] [--batch 64]
import { parseArgs } from 'node:util';
import * as wc from '../dist/webgpu-cnn.js';
import { zoo } from '../demo/zoo.mjs';

const { values: opt } = parseArgs({ options: { steps: { type: 'string', default: '12' }, models: { type: 'string' }, batch: { type: 'string' } } });
const steps = Number(opt.steps);
const adapter = await wc.init();
wc.tuning?.enable(false); // the same kernels in every run
const models = zoo(wc.nn);
const names = (opt.models ?? Object.keys(models).join(',')).split(',');
const batches = opt.batch ? opt.batch.split(',').map(Number) : [8, 64];

async function train(name, batch, compile) {
  wc.manualSeed(1);
  const model = models[name].make();
  const optimizer = new wc.optim.Adam(model.parameters(), { lr: 1e-3 });
  const losses = [];
  for (let s = 0; s < steps; s++) {
    const images = new Float32Array(batch * 784).map((_, i) => ((i * 2654435761 + s * 97) % 1000) / 1000);
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7 + s) % 10);
    losses.push(wc.trainStep(model, optimizer, images, labels, [batch, 1, 28, 28], { compile }));
  }
  const values = await Promise.all(losses.map(async (l) => (await l.data())[0]));
  const weights = await Promise.all(Object.values(model.stateDict()).map(async (t) => Array.from(await t.data())));
  losses.forEach((l) => l.dispose());
  model.parameters().forEach((p) => p.dispose());
  optimizer.dispose();
  return { values, weights: weights.flat() };
}

function compare(a, b) {
  const step = a.values.findIndex((v, i) => !Object.is(v, b.values[i]));
  let differing = 0;
  let worst = 0;
  a.weights.forEach((v, i) => {
    if (!Object.is(v, b.weights[i])) {
      differing++;
      worst = Math.max(worst, Math.abs(v - b.weights[i]) / Math.max(Math.abs(v), 1e-6));
    }
  });
  return step < 0 && differing === 0 ? 'identical' : `first loss difference at step ${step}, ${differing} of ${a.weights.length} weights differ (worst relative ${worst.toExponential(1)})`;
}

console.log(`adapter: ${adapter.description || adapter.vendor}; ${steps} Adam steps per run, tuning off`);
let failed = false;
for (const name of names) {
  for (const batch of batches) {
    const eager = await train(name, batch, false);
    const again = await train(name, batch, false);
    const replayed = await train(name, batch, true);
    const vsReplay = compare(eager, replayed);
    const vsEager = compare(eager, again);
    failed ||= vsReplay !== 'identical' && vsEager === 'identical';
    console.log(`${name} b${batch}: replayed vs eager: ${vsReplay}; eager vs eager: ${vsEager}`);
  }
}
process.exitCode = failed ? 1 : 0;
