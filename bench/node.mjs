// The benchmark's workloads, ours only, in Node (Dawn through the `webgpu` package), through the built library,
// so that Node and the browser can be compared on the same adapter.
//
//   npm run bench:node [-- --quick] [--profile] [--only TEXT] [--warmup N] [--reps N] [--train-reps N]
//
// W5/W6 run in a fresh Node process (cold shader compilation, a memory high-water mark of the training alone).
// Results: a table on the terminal, with our browser numbers beside ours in Node when bench/results has them,
// and bench/results/node-latest.{json,md} (quick mode: node-quick.{json,md}).
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as wc from '../dist/webgpu-cnn.js';
import { plan, ours, coldOurs, summarize, readableKernel } from './workloads.mjs';
import { fmtSummary, fmtRatio, fmtRate, renderTable, profileRows, PROFILE_HEADERS, describeAdapter, sourceRevision } from './report.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');

// A child process started by the parent below: W5/W6 on a cold engine, one JSON line on stdout.
if (process.argv[2] === '--cold-child') {
  const result = await coldOurs(wc, { batch: Number(process.argv[3]) });
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
  },
});
const num = (v) => (v === undefined ? undefined : Number(v));
const { items: allItems, cold } = plan({ quick: opt.quick, warmup: num(opt.warmup), reps: num(opt.reps), trainReps: num(opt['train-reps']) });
const items = opt.only ? allItems.filter((i) => i.id.includes(opt.only)) : allItems;
const runCold = !opt.only || 'W5 W6 cold'.includes(opt.only);
const mode = opt.quick ? 'quick' : 'full';
const log = (...a) => console.error(...a);
const started = new Date();
const revision = await sourceRevision(root);
const rows = [];
const profiles = {};

function coldChild() {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [self, '--cold-child', String(cold.batch)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cold-start process failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

// Cold start first, before this process's own engine loads the CPU.
const coldResult = runCold ? await coldChild() : null;
if (coldResult) {
  const one = (v) => summarize([v]);
  rows.push(
    { id: `W5 cold start to 1st step b${cold.batch}`, group: 'W5', unit: 'ms', ours: one(coldResult.firstStepMs), cold: coldResult },
    { id: `W6 peak GPU memory, train b${cold.batch}`, group: 'W6', unit: 'bytes', ours: one(coldResult.peakBytes) },
  );
  log(`W5 cold start: ${fmtSummary(rows[0].ours)}; W6 peak: ${fmtSummary(rows[1].ours, 'bytes')}`);
}

const adapter = await wc.init();
log(`Node ${process.version}; ${describeAdapter(adapter)}; ${mode} suite, ${items.length} workloads`);
const elementwiseWgsl = await readFile(path.join(root, 'shaders', 'elementwise.wgsl'), 'utf8');
const canProfile = typeof wc.startProfile === 'function';
if (opt.profile && !canProfile) log('--profile: this build does not export startProfile/stopProfile; no kernel timings');

for (const item of items) {
  const w = ours[item.kind](wc, item);
  const once = async () => {
    if (w.before) await w.before();
    const t0 = performance.now();
    await w.run();
    return performance.now() - t0;
  };
  for (let i = 0; i < item.warmup; i++) await once();
  const samples = [];
  for (let i = 0; i < item.reps; i++) samples.push(await once());
  if (opt.profile && canProfile) {
    if (w.before) await w.before();
    wc.startProfile();
    await w.run();
    profiles[item.id] = (await wc.stopProfile()).map((k) => ({ ...k, kernel: readableKernel(k.kernel, elementwiseWgsl) }));
  }
  w.dispose();
  const row = { id: item.id, group: item.group, unit: 'ms', flops: item.flops ?? null, ours: summarize(samples) };
  rows.push(row);
  log(`${item.id}: ${fmtSummary(row.ours)}`);
}
rows.sort((a, b) => a.group.localeCompare(b.group));

// Our browser numbers from the last browser run of the same mode, when there is one.
let browser = null;
try {
  browser = JSON.parse(await readFile(path.join(root, 'bench', 'results', opt.quick ? 'quick.json' : 'latest.json'), 'utf8'));
} catch {
  // no browser run yet
}
const inBrowser = (id) => browser?.rows?.find((r) => r.id === id)?.ours ?? null;
const headers = ['workload', 'ours in Node', 'GFLOP/s', 'ours in browser', 'browser/Node'];
const cells = rows.map((r) => {
  const b = inBrowser(r.id);
  return [r.id, fmtSummary(r.ours, r.unit), fmtRate(r.flops, r.ours), fmtSummary(b, r.unit), fmtRatio(b ? b.median / r.ours.median : null)];
});
const seconds = (Date.now() - started.getTime()) / 1000;
const date = started.toISOString();
const browserNote = browser ? `browser column: bench/results/${opt.quick ? 'quick' : 'latest'}.json (${browser.date}, ${browser.browser})` : 'browser column: no browser run in bench/results yet (npm run bench)';

console.log(`\nwebgpu-cnn in Node ${process.version} (Dawn), ${describeAdapter(adapter)}, ${date.slice(0, 10)}, ${mode} suite`);
console.log(renderTable(headers, cells));
console.log(`median (min–max) up to a readback; browser/Node > 1 means Node is faster; ${browserNote}`);
for (const [id, kernels] of Object.entries(profiles)) {
  console.log(`\nour kernels in one ${id} (timestamp-query, one pass per dispatch):`);
  console.log(renderTable(PROFILE_HEADERS, profileRows(kernels)));
}

const markdown = [
  `# webgpu-cnn in Node (${mode} suite)`,
  '',
  `- date: ${date}; webgpu-cnn source: ${revision ?? 'unknown'} (dist/ built from it by npm run bench:node)`,
  `- Node ${process.version}, Dawn (\`webgpu\` package); adapter: ${describeAdapter(adapter)}`,
  `- ${browserNote}`,
  '',
  renderTable(headers, cells, true),
  '',
  ...Object.entries(profiles).flatMap(([id, kernels]) => [`## Our kernels in one ${id}`, '', renderTable(PROFILE_HEADERS, profileRows(kernels), true), '']),
].join('\n');
const dir = path.join(root, 'bench', 'results');
await mkdir(dir, { recursive: true });
const base = opt.quick ? 'node-quick' : opt.only ? 'node-partial' : 'node-latest';
await writeFile(path.join(dir, `${base}.json`), `${JSON.stringify({ date, mode, seconds, revision, node: process.version, adapter, rows, profiles }, null, 2)}\n`);
await writeFile(path.join(dir, `${base}.md`), markdown);
console.log(`\nwrote bench/results/${base}.json and ${base}.md in ${(seconds / 60).toFixed(1)} min`);
process.exit(0);
