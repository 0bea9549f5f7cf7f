// What a training step costs the CPU: JavaScript time per step, op by op (eager) and replayed from a compiled
// plan, for each demo model, with the plan's memory beside what the eager pool holds for the same step.
//   npm run build && node bench/step-cost.mjs [--steps 20] [--models tiny,small,lenet,bn-residual] [--batch 32]
// Per mode: a few warm-up steps, then --rounds rounds of --steps steps recorded without any readback (their wall
// time, divided by the steps, is the JS per step; the median round is reported), each followed by one wait for
// the GPU (reported separately: it is GPU time, not JS). Dawn hands work to the driver when it next polls, which
// it does only while something waits, so on a CPU adapter the kernels do not compete with the timed loop.
import { parseArgs } from 'node:util';
import * as wc from '../dist/webgpu-cnn.js';
import { zoo } from '../demo/zoo.mjs';
import { captureCalls, issueCalls } from './dawn-floor.mjs';

const { values: opt } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' }, rounds: { type: 'string', default: '5' }, models: { type: 'string' }, batch: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const steps = Number(opt.steps);
const rounds = Number(opt.rounds);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
  const [jsRounds, totalRounds] = [[], []];
  let last;
  let memory;
  for (let r = 0; r < rounds; r++) {
    const losses = [];
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) losses.push(step(s + 3));
    jsRounds.push((performance.now() - t0) / steps);
    await wc.sync();
    totalRounds.push((performance.now() - t0) / steps);
    if (r === rounds - 1) {
      last = (await losses[losses.length - 1].data())[0];
      memory = wc.memory(); // before the parameters go: disposing one invalidates the plan that binds it
    }
    losses.forEach((l) => l.dispose());
  }
  const [js, total] = [median(jsRounds), median(totalRounds)];
  // The WebGPU calls of one step, issued again without the library (it writes the same parameters: the model is
  // thrown away after this).
  let floor = null;
  let dispatches = null;
  if (compile) {
    const captured = captureCalls(() => step(0).dispose());
    dispatches = captured.calls.filter((c) => c.name === 'dispatchWorkgroups').length;
    await wc.sync();
    const floorRounds = [];
    for (let r = 0; r < rounds; r++) {
      floorRounds.push(issueCalls(captured, steps) / steps);
      await wc.sync();
    }
    floor = median(floorRounds);
  }
  model.parameters().forEach((p) => p.dispose());
  opt.dispose();
  return { js, total, last, memory, floor, dispatches };
}

const rows = [];
for (const { name, batch } of runs) {
  const eager = await measure(name, batch, false);
  const replay = await measure(name, batch, true);
  const mem = replay.memory;
  rows.push({ model: name, batch, dispatches: replay.dispatches, floorJsMs: replay.floor, eagerJsMs: eager.js, replayJsMs: replay.js, eagerStepMs: eager.total, replayStepMs: replay.total, sameLoss: eager.last === replay.last, planBytes: mem.planBytes, eagerPlanBytes: mem.eagerPlanBytes });
  console.error(`${name} b${batch}: JS per step eager ${eager.js.toFixed(3)} ms, replayed ${replay.js.toFixed(3)} ms (${(eager.js / replay.js).toFixed(1)}x), its ${replay.dispatches} dispatches' WebGPU calls alone ${replay.floor.toFixed(3)} ms; step with GPU wait ${eager.total.toFixed(2)} / ${replay.total.toFixed(2)} ms; same last loss: ${eager.last === replay.last}`);
}
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(`\nJS per training step, median of ${rounds} rounds of ${steps} steps without readback (Adam), ${adapter.description || adapter.device}`);
console.log('| model | batch | eager JS | replayed JS | eager/replayed | dispatches | WebGPU calls alone | eager/calls alone | eager step (with GPU) | replayed step (with GPU) | same loss | plan memory | eager pool for the same step |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.batch} | ${r.eagerJsMs.toFixed(3)} ms | ${r.replayJsMs.toFixed(3)} ms | ${(r.eagerJsMs / r.replayJsMs).toFixed(1)}x | ${r.dispatches} | ${r.floorJsMs.toFixed(3)} ms | ${(r.eagerJsMs / r.floorJsMs).toFixed(1)}x | ${r.eagerStepMs.toFixed(2)} ms | ${r.replayStepMs.toFixed(2)} ms | ${r.sameLoss} | ${mib(r.planBytes)} | ${mib(r.eagerPlanBytes)} |`);
}
if (opt.json) console.log(JSON.stringify(rows));
process.exit(0);
