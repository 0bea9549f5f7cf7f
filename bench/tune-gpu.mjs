// Does the autotuner choose well? For each W2/W3 convolution shape (bench/workloads.mjs) and its batch-256
// version, and a few matmuls: the GPU time of every candidate variant of each kernel family, pinned with
// wc.tuning.force and timed with timestamp queries (median of several profiled calls), then what the tuner picks
// on its own (tuning on, from an empty table) and how far its pick is from the fastest.
// Usage (dist/ built): node bench/tune-gpu.mjs [--quick] [--reps N] [--out tuning.json]
// On a GPU machine: bash .gpu/run.sh node bench/tune-gpu.mjs. --quick: small shapes, for a CPU adapter.
import { writeFile } from 'node:fs/promises';
import * as wc from '../dist/webgpu-cnn.js';
import { CONV_SHAPES, convGeometry } from './workloads.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || (quick ? 2 : 7);
const outFile = args.includes('--out') ? args[args.indexOf('--out') + 1] : null;

const adapter = await wc.init({ dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
console.log(`adapter: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter((s) => s).join(' ')}, cpu ${adapter.cpu}`);
console.log(`date ${new Date().toISOString()}; GPU ms per call: median of ${reps} profiled calls after one warm-up\n`);
wc.setConvAlgorithm('implicit');

// TF.js GPU time per call on an NVIDIA H200 (bench/results/node-h200.md), the 1.5x target's yardstick.
const TFJS_H200 = {
  'forward x[64,1,28,28] w[32,1,5,5] p2': 0.03, 'forward x[64,32,14,14] w[64,32,5,5] p2': 0.49,
  'forward x[32,64,32,32] w[64,64,3,3] p1': 0.45, 'forward x[32,64,32,32] w[64,64,3,3] p1 s2': 0.15,
  'forward x[256,32,14,14] w[64,32,5,5] p2': 0.40, 'forward x[256,64,32,32] w[64,64,3,3] p1': 1.14,
  'grad_input x[64,32,14,14] w[64,32,5,5] p2': 0.26, 'grad_input x[32,64,32,32] w[64,64,3,3] p1': 0.42,
  'grad_input x[32,64,32,32] w[64,64,3,3] p1 s2': 0.18, 'grad_input x[256,32,14,14] w[64,32,5,5] p2': 0.89,
  'grad_input x[256,64,32,32] w[64,64,3,3] p1': 3.06, 'grad_weight x[64,32,14,14] w[64,32,5,5] p2': 3.03,
  'grad_weight x[32,64,32,32] w[64,64,3,3] p1': 11.9, 'grad_weight x[32,64,32,32] w[64,64,3,3] p1 s2': 3.36,
  'grad_weight x[256,32,14,14] w[64,32,5,5] p2': 14.8, 'grad_weight x[256,64,32,32] w[64,64,3,3] p1': 95.0,
};

const withBatch = (s, n) => ({ ...s, x: [n, ...s.x.slice(1)], name: s.name.replace(/^x\[\d+/, `x[${n}`) });
const shapes = quick
  ? [withBatch(CONV_SHAPES[0], 2), withBatch(CONV_SHAPES[2], 2), withBatch(CONV_SHAPES[3], 2)].map((s) => ({ ...s, x: [s.x[0], s.x[1], 9, 9], name: `${s.name} (9x9)` }))
  : [...CONV_SHAPES, withBatch(CONV_SHAPES[1], 256), withBatch(CONV_SHAPES[2], 256)];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** The GPU ms of the kernels whose labels start with one of `prefixes`, per call of fn: median over reps. */
async function time(fn, prefixes) {
  const sample = async () => {
    wc.startProfile();
    wc.scope(() => { fn(); });
    const ts = await wc.stopProfile();
    return ts.filter((t) => prefixes.some((p) => t.kernel.startsWith(p))).reduce((s, t) => s + t.ms, 0);
  };
  await sample();
  const ms = [];
  for (let r = 0; r < reps; r++) ms.push(await sample());
  return median(ms);
}

/** Runs fn with tuning on until `family` has a winner for the latest shape class; returns it and its timings. */
async function tunedPick(family, fn) {
  for (let call = 0; call < 8; call++) {
    wc.scope(() => { fn(); });
    await wc.sync();
    await new Promise((r) => setTimeout(r, 5)); // timestamp read-backs resolve after the work is done
    const cls = wc.tuning.lastCandidates(family)?.shapeClass;
    const entry = Object.entries(wc.tuning.export().entries).find(([k]) => k.endsWith(` | ${family} | ${cls}`));
    if (entry) return { ...entry[1], calls: call + 1, shapeClass: cls };
  }
  return null;
}

const rows = [];
async function family(label, familyName, fn, prefixes) {
  wc.tuning.enable(false);
  const before = wc.tuning.lastCandidates(familyName);
  wc.scope(() => { fn(); });
  if (JSON.stringify(wc.tuning.lastCandidates(familyName)) === JSON.stringify(before)) {
    // on a CPU adapter conv2d runs Winograd itself where it fits, without asking the tuner
    console.log(`${label}  [${familyName}: not used here]\n`);
    return;
  }
  const { shapeClass, names } = wc.tuning.lastCandidates(familyName);
  const ms = {};
  for (const name of names) {
    wc.tuning.force(familyName, name);
    ms[name] = await time(fn, prefixes);
  }
  wc.tuning.force(familyName, null);
  wc.tuning.enable(true);
  const pick = await tunedPick(familyName, fn);
  wc.tuning.enable(false);
  const best = names.reduce((a, b) => (ms[b] < ms[a] ? b : a));
  const tf = TFJS_H200[label];
  console.log(`${label}  [${familyName}: ${shapeClass}]`);
  for (const name of names) {
    const marks = [name === best && 'fastest', name === pick?.variant && 'tuner pick', name === names[0] && 'default'].filter((m) => m);
    console.log(`  ${name.padEnd(22)} ${ms[name].toFixed(4).padStart(9)} ms${tf ? `  TF.js/this ${(tf / ms[name]).toFixed(2)}x` : ''}${marks.length ? `  <- ${marks.join(', ')}` : ''}`);
  }
  const verdict = pick ? `tuner picked "${pick.variant}" after ${pick.calls} calls: ${(ms[pick.variant] / ms[best]).toFixed(2)}x the fastest, ${(ms[pick.variant] / ms[names[0]]).toFixed(2)}x the default` : 'tuner: no winner within 8 calls';
  console.log(`  ${verdict}\n`);
  rows.push({ label, family: familyName, shapeClass, ms, best, pick: pick?.variant ?? null, tfjs: tf ?? null });
}

for (const s of shapes) {
  const opts = { stride: s.stride, padding: s.padding };
  const x = wc.randn(s.x, { seed: 1 });
  const w = wc.randn(s.w, { seed: 2 });
  const { N, O, P, Q } = convGeometry(s);
  const dy = wc.randn([N, O, P, Q], { seed: 3 });
  // one gradient per call: only the input (or only the weight) requires it
  const backward = (wrt) => () => {
    x.requiresGrad = wrt === 'x';
    w.requiresGrad = wrt === 'w';
    wc.conv2d(x, w, null, opts).backward(dy);
    x.grad?.dispose(); w.grad?.dispose();
    x.grad = null; w.grad = null;
  };
  x.requiresGrad = false; w.requiresGrad = false;
  // the Winograd candidate runs its transforms and a batched GEMM instead of one conv kernel
  await family(`forward ${s.name}`, 'conv.forward', () => wc.conv2d(x, w, null, opts), ['conv.forward', 'winograd', 'matmul']);
  await family(`grad_input ${s.name}`, 'conv.grad_input', backward('x'), ['conv.grad_input', 'winograd', 'matmul']);
  await family(`grad_weight ${s.name}`, 'conv.grad_weight', backward('w'), ['conv.grad_weight', 'conv.reduce_splits']);
  x.requiresGrad = false; w.requiresGrad = false;
  [x, w, dy].forEach((t) => t.dispose());
}
for (const n of quick ? [64] : [512, 1024, 2048, 4096]) {
  const a = wc.rand([n, n], { seed: 1 });
  const b = wc.rand([n, n], { seed: 2 });
  await family(`matmul ${n}`, 'matmul', () => wc.matmul(a, b), ['matmul']);
  a.dispose(); b.dispose();
}

const picked = rows.filter((r) => r.pick);
const worst = picked.reduce((m, r) => Math.max(m, r.ms[r.pick] / r.ms[r.best]), 1);
console.log(`summary: ${picked.filter((r) => r.pick === r.best).length}/${rows.length} picks are the fastest candidate; worst pick ${worst.toFixed(2)}x the fastest`);
if (outFile) {
  await writeFile(outFile, JSON.stringify({ rows, table: wc.tuning.export() }, null, 1));
  console.log(`wrote ${outFile}`);
}
