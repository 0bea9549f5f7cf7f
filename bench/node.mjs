// The benchmark in Node: webgpu-cnn (dist/, built by npm run build), TensorFlow.js WebGPU and jax-js side by side
// on one Dawn adapter (bench/dawn.mjs), interleaved, on the workloads of bench/workloads.mjs.
//
//   npm run bench:node [-- --quick] [--profile] [--only TEXT] [--warmup N] [--reps N] [--train-reps N]
//                         [--calls N] [--no-cold] [--no-tf] [--no-jax]
//
// Per workload and library: latency (one call, then a wait that reads nothing big back), throughput (--calls
// calls back to back, one wait; per call) and GPU time (timestamp queries: ours startProfile/stopProfile, TF.js
// tf.time's kernelMs, jax-js its profiler's trace), with GFLOP/s and the share of the adapter's FMA peak measured
// by bench/peak.mjs. On a real GPU (an adapter that is not a CPU) the suite adds the large sizes.
// W5/W6 run in a fresh Node process per library. A library that fails a workload leaves its cells empty.
// Results: tables on the terminal and bench/results/node-latest.{json,md} (quick: node-quick, --only: node-partial).
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { installDawn } from './dawn.mjs';
import { loadTf, loadJax } from './peers.mjs';
import { plan, ours, theirs, coldOurs, coldTheirs, summarize, readableKernel } from './workloads.mjs';
import { jaxjs, coldJax } from './workloads-jax.mjs';
import { engines, latency, throughput, gpuTime, warmupRead, readback } from './timing.mjs';
import { measurePeaks } from './peak.mjs';
import { fmtTime, fmtBytes, renderTable, profileRows, PROFILE_HEADERS, describeAdapter, sourceRevision } from './report.mjs';
import { timeTable, rateTable, readbackTable, coldTable } from './node-report.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const gpu = await installDawn();
const wc = await import('../dist/webgpu-cnn.js');

// A child process started by the parent below: W5/W6 of one library on a cold engine, one JSON line on stdout.
if (process.argv[2] === '--cold-child') {
  const [which, batch] = [process.argv[3], Number(process.argv[4])];
  let result;
  if (which === 'ours') result = await coldOurs(wc, { batch });
  else if (which === 'theirs') result = await coldTheirs((await loadTf({ start: false })).lib, { batch });
  else result = await coldJax((await loadJax({ start: false })).lib, { batch });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    warmup: { type: 'string' },
    reps: { type: 'string' },
    'train-reps': { type: 'string' },
    calls: { type: 'string' },
    'no-cold': { type: 'boolean', default: false },
    'no-tf': { type: 'boolean', default: false },
    'no-jax': { type: 'boolean', default: false },
  },
});
const num = (v) => (v === undefined ? undefined : Number(v));
const mode = opt.quick ? 'quick' : 'full';
const log = (...a) => console.error(...a);
const started = new Date();
const revision = await sourceRevision(root);

function coldChild(which, batch) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [self, '--cold-child', which, String(batch)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cold start (${which}) failed: ${error.message.split('\n')[0]} ${stderr.split('\n').filter((l) => /Error/.test(l))[0] ?? ''}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

const adapter = await wc.init();
const onGpu = !adapter.cpu;
const { items: allItems, cold } = plan({
  quick: opt.quick, warmup: num(opt.warmup), reps: num(opt.reps), trainReps: num(opt['train-reps']), gpu: onGpu, throughputRows: true,
});
const items = opt.only ? allItems.filter((i) => i.id.includes(opt.only)) : allItems;
const runCold = !opt['no-cold'] && (!opt.only || 'W5 W6 cold'.includes(opt.only));
const calls = num(opt.calls) ?? (opt.quick ? 3 : 10);
const errors = [];

// The libraries: ours always; a peer that cannot start is reported and left out.
const libs = { ours: { lib: wc, builders: ours } };
const peerVersions = {};
if (!opt['no-tf']) {
  const tf = await loadTf();
  if (tf.error) errors.push(tf.error);
  else {
    libs.theirs = { lib: tf.lib, builders: theirs };
    peerVersions.tfjs = tf.lib.version_core;
  }
}
if (!opt['no-jax']) {
  const jax = await loadJax();
  if (jax.error) errors.push(jax.error);
  else {
    libs.jaxjs = { lib: jax.lib, builders: jaxjs };
    peerVersions.jax = JSON.parse(await readFile(path.join(root, 'node_modules/@jax-js/jax/package.json'), 'utf8')).version;
  }
}
errors.forEach((e) => log(`cannot run ${e}`));
log(`Node ${process.version}; ${describeAdapter(adapter)}${onGpu ? '' : ' (a CPU adapter: small sizes)'}; ${mode} suite, ${items.length} workloads; ${Object.values(libs).length} libraries: ${Object.keys(libs).map((k) => engines[k].label).join(', ')}`);

const peaks = await measurePeaks(gpu, { cpu: !onGpu });
if (peaks.error) log(`peak probes: ${peaks.error}`);
else log(`measured peaks: FMA ${peaks.fmaGflops.toFixed(1)} GFLOP/s, copy ${peaks.copyGBs.toFixed(1)} GB/s`);

const elementwiseWgsl = await readFile(path.join(root, 'shaders', 'elementwise.wgsl'), 'utf8');
const rows = [];
const profiles = {};

/** Runs `fn` for every library still standing in `built`; a failure drops that library from the row. */
async function each(built, row, fn) {
  for (const which of Object.keys(built)) {
    try {
      await fn(which, built[which], libs[which].lib, engines[which]);
    } catch (e) {
      const message = String(e?.message ?? e).split('\n')[0];
      row.errors[which] = message;
      errors.push(`${row.id}, ${engines[which].label}: ${message}`);
      log(`  ${engines[which].label} failed: ${message}`);
      try {
        built[which].dispose();
      } catch {
        // already broken
      }
      delete built[which];
    }
  }
}

for (const item of items) {
  const t0 = performance.now();
  const row = { id: item.id, group: item.group, flops: item.flops ?? null, latency: {}, throughput: {}, gpu: {}, losses: {}, errors: {} };
  const built = {};
  for (const [which, { lib, builders }] of Object.entries(libs)) {
    try {
      built[which] = builders[item.kind](lib, item);
    } catch (e) {
      row.errors[which] = String(e?.message ?? e).split('\n')[0];
      errors.push(`${item.id}, ${engines[which].label}: ${row.errors[which]}`);
    }
  }
  const samples = { latency: {}, throughput: {}, gpu: {} };
  for (const which of Object.keys(built)) for (const k of Object.keys(samples)) samples[k][which] = [];
  for (let i = 0; i < item.warmup; i++) {
    await each(built, row, async (which, w, lib, e) => {
      row.losses[which] = await warmupRead(e, lib, w);
      if (item.kind === 'train' && !Number.isFinite(row.losses[which])) throw new Error(`training loss is ${row.losses[which]}`);
    });
  }
  for (let i = 0; i < item.reps; i++) await each(built, row, async (which, w, lib, e) => samples.latency[which].push(await latency(e, lib, w)));
  for (let i = 0; i < (opt.quick ? 1 : item.reps); i++) await each(built, row, async (which, w, lib, e) => samples.throughput[which].push(await throughput(e, lib, w, calls)));
  for (let i = 0; i < (opt.quick ? 1 : Math.min(3, item.reps)); i++) {
    await each(built, row, async (which, w, lib, e) => {
      const { ms, kernels } = await gpuTime(e, lib, w);
      if (ms !== null) samples.gpu[which].push(ms);
      if (opt.profile && which === 'ours' && kernels) profiles[item.id] = kernels.map((k) => ({ ...k, kernel: readableKernel(k.kernel, elementwiseWgsl) }));
    });
  }
  await each(built, row, (which, w) => w.dispose());
  for (const k of Object.keys(samples)) for (const [which, s] of Object.entries(samples[k])) if (!row.errors[which]) row[k][which] = summarize(s);
  row.seconds = (performance.now() - t0) / 1000;
  rows.push(row);
  const part = (which) => `${engines[which].label} ${fmtTime(row.latency[which]?.median)} / ${fmtTime(row.throughput[which]?.median)} / GPU ${fmtTime(row.gpu[which]?.median)}`;
  log(`${item.id}: ${Object.keys(libs).map(part).join('; ')} [${row.seconds.toFixed(0)} s]`);
}

// Readback bandwidth: a realized tensor read back to the CPU whole.
const readbacks = [];
for (const bytes of [4, 8 * 2 ** 20, 64 * 2 ** 20]) {
  const r = { bytes, ms: {} };
  for (const [which, { lib }] of Object.entries(libs)) {
    try {
      const s = [];
      for (let i = 0; i < (opt.quick ? 2 : 5); i++) s.push(await readback(which, lib, bytes));
      r.ms[which] = summarize(s);
    } catch (e) {
      errors.push(`readback ${bytes} B, ${engines[which].label}: ${String(e?.message ?? e).split('\n')[0]}`);
    }
  }
  readbacks.push(r);
  log(`readback ${bytes < 1024 ? `${bytes} B` : fmtBytes(bytes)}: ${Object.keys(r.ms).map((w) => `${engines[w].label} ${fmtTime(r.ms[w].median)}`).join(', ')}`);
}

// Cold start last, in fresh processes, one library at a time.
const colds = {};
if (runCold) {
  for (const which of Object.keys(libs)) {
    try {
      colds[which] = await coldChild(which, cold.batch);
      log(`W5 cold start ${engines[which].label}: ${fmtTime(colds[which].firstStepMs)}; W6 peak ${fmtBytes(colds[which].peakBytes)}`);
    } catch (e) {
      errors.push(String(e?.message ?? e));
    }
  }
}

// ------------------------------------------------------------------------------------------------ report

const which = Object.keys(libs);
const date = started.toISOString();
const seconds = (Date.now() - started.getTime()) / 1000;
const peakNote = peaks.error ? `peaks: not measured (${peaks.error})` : `measured peaks: fp32 FMA ${peaks.fmaGflops.toFixed(1)} GFLOP/s, copy ${peaks.copyGBs.toFixed(1)} GB/s (bench/peak.mjs, timestamp queries)`;
const versions = `TF.js ${peerVersions.tfjs ?? '(not run)'} WebGPU, jax-js ${peerVersions.jax ?? '(not run)'}`;
const tables = (markdown) => [
  ['Time per call (median): latency = one call then a wait, throughput = ' + calls + ' calls then one wait, GPU = sum of kernel times (timestamp queries)', timeTable(rows, which, markdown)],
  ['Ratios (> 1: webgpu-cnn is faster), GFLOP/s from GPU time (else throughput) and share of the measured FMA peak', rateTable(rows, which, peaks, markdown)],
  ['Readback of a realized tensor to the CPU (median; ours `data()`, TF.js `data()`, jax-js `data()`; TF.js keeps a 4-byte tensor on the CPU)', readbackTable(readbacks, which, markdown)],
  ...(runCold ? [[`W5/W6: a fresh Node process per library, init to the first training step (b${cold.batch}) on the CPU; peak GPU memory`, coldTable(colds, which, markdown)]] : []),
];

console.log(`\nwebgpu-cnn vs ${versions} in Node ${process.version} (Dawn), ${describeAdapter(adapter)}, ${date.slice(0, 10)}, ${mode} suite, source ${revision ?? '?'}`);
console.log(peakNote);
for (const [title, table] of tables(false)) console.log(`\n${title}\n${table}`);
for (const [id, kernels] of Object.entries(profiles)) {
  console.log(`\nour kernels in one ${id} (timestamp-query, one pass per dispatch):`);
  console.log(renderTable(PROFILE_HEADERS, profileRows(kernels)));
}
if (errors.length) console.log(`\nnot measured:\n${errors.map((e) => `- ${e}`).join('\n')}`);

const markdown = [
  `# webgpu-cnn vs TF.js and jax-js in Node (${mode} suite)`,
  '',
  `- date: ${date}; webgpu-cnn source: ${revision ?? 'unknown'} (dist/ built from it by npm run bench:node)`,
  `- Node ${process.version}, one Dawn instance (\`webgpu\` package, \`disable-dawn-features=timestamp_quantization\`) for all three; adapter: ${describeAdapter(adapter)}`,
  `- ${versions}; ${peakNote}`,
  `- ${rows.length} workloads in ${(seconds / 60).toFixed(1)} min; warm-ups first (a full readback), then repetitions interleaved library by library`,
  '',
  ...tables(true).flatMap(([title, table]) => [`## ${title}`, '', table, '']),
  ...Object.entries(profiles).flatMap(([id, kernels]) => [`## Our kernels in one ${id}`, '', renderTable(PROFILE_HEADERS, profileRows(kernels), true), '']),
  ...(errors.length ? ['## Not measured', '', ...errors.map((e) => `- ${e}`), ''] : []),
].join('\n');
const dir = path.join(root, 'bench', 'results');
await mkdir(dir, { recursive: true });
const base = opt.only ? 'node-partial' : opt.quick ? 'node-quick' : 'node-latest';
const json = { date, mode, seconds, revision, node: process.version, adapter, versions: peerVersions, peaks, calls, rows, readbacks, cold: colds, profiles, errors };
await writeFile(path.join(dir, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`);
await writeFile(path.join(dir, `${base}.md`), markdown);
// On the GPU machine (.gpu/run.sh) what is written under $OUT comes back.
if (process.env.OUT) {
  await writeFile(path.join(process.env.OUT, `${base}.md`), markdown).catch(() => {});
  await writeFile(path.join(process.env.OUT, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`).catch(() => {});
}
console.log(`\nwrote bench/results/${base}.json and ${base}.md in ${(seconds / 60).toFixed(1)} min`);
process.exit(0);
