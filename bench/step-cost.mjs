// What a training step costs the CPU: JavaScript time per step, op by op (eager) and replayed from a compiled
// plan, for each demo model, with the plan's memory beside what the eager pool holds for the same step.
//   npm run build && node bench/step-cost.mjs [--steps 20] [--models tiny,small,lenet,bn-residual] [--batch 32]
// Per mode: a few warm-up steps, then --steps steps recorded without any readback (their wall time, divided by
// the steps, is the JS per step), then one wait for the GPU (reported separately: it is GPU time, not JS).
import { parseArgs } from 'node:util';
import * as wc from '../dist/webgpu-cnn.js';
import { zoo } from '../demo/zoo.mjs';

const { values: opt } = parseArgs({
  options: { steps: { type: 'string', default: '20' }, models: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const steps = Number(opt.steps);
const adapter = await wc.init({ dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
// The default kernels throughout: the autotuner would pick others between the two runs (its first, eager steps
// time candidates), and the losses compared below would differ by rounding, not by replay.
wc.tuning?.enable(false);
const models = zoo(wc.nn);
const runs = (opt.models ?? 'tiny,small,lenet,bn-residual').split(',').map((name) => ({ name, batch: Number(opt.batch ?? (name === 'lenet' ? 8 : 32)) }));
if (!adapter.cpu && !opt.batch) runs.push({ name: 'lenet', batch: 64 }, { name: 'lenet', batch: 256 });

function batchOf(b, s) {
  const images = new Float32Array(b * 784).map((_, i) => ((i * 2654435761 + s * 97) % 1000) / 1000);
  const labels = Int32Array.from({ length: b }, (_, i) => (i * 7 + s) % 10);
  return { images, labels };
}

async function measure(name, batch, compile) {
  wc.manualSeed(1);
  const model = models[name].make();
  const opt = new wc.optim.Adam(model.parameters(), { lr: 1e-3 });
  // Batches made before the clock starts: their making is not the step's cost.
  const batches = Array.from({ length: 4 }, (_, s) => batchOf(batch, s));
  const step = (s) => {
    const { images, labels } = batches[s % batches.length];
    return wc.trainStep(model, opt, images, labels, [batch, 1, 28, 28], { compile });
  };
  for (let s = 0; s < 3; s++) step(s).dispose();
  await wc.sync();
  const losses = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) losses.push(step(s + 3));
  const js = (performance.now() - t0) / steps;
  await wc.sync();
  const total = (performance.now() - t0) / steps;
  // The same steps one at a time, each timed alone with the GPU idle: on a CPU adapter the GPU's work runs on
  // the same cores as the JavaScript, so steps recorded back to back also time SwiftShader's threads.
  let alone = 0;
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    const loss = step(s + 3);
    alone += performance.now() - t;
    await wc.sync();
    loss.dispose();
  }
  alone /= steps;
  const last = (await losses[losses.length - 1].data())[0];
  const memory = wc.memory(); // before the parameters go: disposing one invalidates the plan that binds it
  losses.forEach((l) => l.dispose());
  model.parameters().forEach((p) => p.dispose());
  opt.dispose();
  return { js, alone, total, last, memory };
}

const rows = [];
for (const { name, batch } of runs) {
  const eager = await measure(name, batch, false);
  const replay = await measure(name, batch, true);
  const mem = replay.memory;
  rows.push({ model: name, batch, eagerJsMs: eager.js, replayJsMs: replay.js, eagerAloneMs: eager.alone, replayAloneMs: replay.alone, eagerStepMs: eager.total, replayStepMs: replay.total, sameLoss: eager.last === replay.last, planBytes: mem.planBytes, eagerPlanBytes: mem.eagerPlanBytes });
  console.error(`${name} b${batch}: JS per step eager ${eager.js.toFixed(3)} ms, replayed ${replay.js.toFixed(3)} ms (${(eager.js / replay.js).toFixed(1)}x; alone ${eager.alone.toFixed(3)} / ${replay.alone.toFixed(3)} ms); step with GPU wait ${eager.total.toFixed(2)} / ${replay.total.toFixed(2)} ms; same last loss: ${eager.last === replay.last}`);
}
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(`\nJS per training step, ${steps} steps without readback (Adam), ${adapter.description || adapter.device}`);
console.log('| model | batch | eager JS | replayed JS | eager/replayed | eager JS, GPU idle | replayed JS, GPU idle | eager/replayed, GPU idle | eager step (with GPU) | replayed step (with GPU) | same loss | plan memory | eager pool for the same step |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.batch} | ${r.eagerJsMs.toFixed(3)} ms | ${r.replayJsMs.toFixed(3)} ms | ${(r.eagerJsMs / r.replayJsMs).toFixed(1)}x | ${r.eagerAloneMs.toFixed(3)} ms | ${r.replayAloneMs.toFixed(3)} ms | ${(r.eagerAloneMs / r.replayAloneMs).toFixed(1)}x | ${r.eagerStepMs.toFixed(2)} ms | ${r.replayStepMs.toFixed(2)} ms | ${r.sameLoss} | ${mib(r.planBytes)} | ${mib(r.eagerPlanBytes)} |`);
}
if (opt.json) console.log(JSON.stringify(rows));
process.exit(0);
