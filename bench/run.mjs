// The browser benchmark: webgpu-cnn side by side with TensorFlow.js's WebGPU backend and jax-js, in one headless
// Chromium page, on the same adapter, in the same run.
//
//   npm run bench [-- --quick] [--profile] [--chrome PATH] [--flag X]... [--only TEXT]
//                    [--warmup N] [--reps N] [--train-reps N] [--timeout-min M] [--no-cold]
//
// Vite serves the repository on 127.0.0.1 (WebGPU needs a secure context), puppeteer drives Debian's Chromium
// (or --chrome PATH, e.g. a Chrome with a real GPU; --flag adds Chromium switches), and each workload of
// bench/workloads.mjs runs warm-ups, then repetitions interleaved ours, TF.js, jax-js, ours, ..., each timed in the
// page up to a readback. W5/W6 open a fresh browser per library (cold GPU process and shader caches).
// A library that cannot run a workload leaves its cell empty (the reason is in the JSON and the Markdown).
// Results: a table on the terminal, bench/results/latest.{json,md} and a dated copy (quick mode: quick.{json,md}).
// Exits non-zero only on errors, never because of speed.
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import puppeteer from 'puppeteer';
import { createServer } from 'vite';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';
import { plan, summarize } from './workloads.mjs';
import { fmtSummary, fmtRatio, fmtRate, fmtTime, fmtBytes, renderTable, profileRows, PROFILE_HEADERS, adapterSlug, describeAdapter, sourceRevision } from './report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    chrome: { type: 'string', default: CHROMIUM },
    flag: { type: 'string', multiple: true, default: [] },
    only: { type: 'string' },
    warmup: { type: 'string' },
    reps: { type: 'string' },
    'train-reps': { type: 'string' },
    'timeout-min': { type: 'string' },
    'no-cold': { type: 'boolean', default: false },
  },
});

const num = (v) => (v === undefined ? undefined : Number(v));
const { items: allItems, cold } = plan({ quick: opt.quick, warmup: num(opt.warmup), reps: num(opt.reps), trainReps: num(opt['train-reps']) });
const items = opt.only ? allItems.filter((i) => i.id.includes(opt.only)) : allItems;
const runCold = !opt['no-cold'] && (!opt.only || 'W5 W6 cold'.includes(opt.only));
// SwiftShader is slow: TensorFlow.js needs ~18 s per LeNet step at batch 64 here, plus shader compilation.
const timeoutMs = (num(opt['timeout-min']) ?? (opt.quick ? 10 : 20)) * 60_000;

const FLAGS = [
  ...CHROMIUM_FLAGS,
  // full adapter info (the description names SwiftShader) and unquantized timestamp queries for --profile
  '--enable-webgpu-developer-features',
  ...opt.flag,
];

const errors = [];
/** workloads that a peer could not run: reported, but not errors of the run */
const errorsOf = [];
const consoleMessages = [];
const log = (...a) => console.error(...a);

async function serve() {
  const server = await createServer({
    root,
    // A cache of its own: pre-bundling here never races a dev server that tests or the demo run beside us.
    cacheDir: path.join(root, 'node_modules', '.vite-bench'),
    logLevel: 'error',
    clearScreen: false,
    // No file watching or hot reload: other work on the tree must not reload the page in the middle of a run.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    // Pre-bundle the peers when the server starts, so that no page is reloaded mid-run to optimise them.
    optimizeDeps: { entries: ['bench/page/index.html'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@jax-js/jax'] },
  });
  await server.listen();
  const address = server.httpServer.address();
  return { server, url: `http://127.0.0.1:${address.port}/bench/page/index.html` };
}

function launch(extra = []) {
  return puppeteer.launch({
    executablePath: opt.chrome,
    headless: true,
    args: [...FLAGS, ...extra],
    protocolTimeout: timeoutMs + 60_000,
  });
}

async function openPage(browser, url, tag) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(`${tag}: page error: ${e.message ?? e}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn' || m.type() === 'warning') consoleMessages.push(`${tag}: ${m.type()}: ${m.text()}`);
  });
  await page.goto(url, { waitUntil: 'load', timeout: 180_000 });
  await page.waitForFunction('window.bench && window.bench.ready === true', { timeout: 180_000 });
  return page;
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${timeoutMs / 60_000} min (raise --timeout-min)`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const LIBS = ['ours', 'theirs', 'jaxjs'];
const NAMES = { ours: 'ours', theirs: 'TF.js', jaxjs: 'jax-js' };

async function runItem(page, item) {
  const t0 = performance.now();
  const failed = await page.evaluate((it) => window.bench.setup(it), item);
  for (const [which, why] of Object.entries(failed)) errorsOf.push(`${item.id}, ${NAMES[which]}: ${why}`);
  // A peer that throws mid-workload loses its cell; ours throwing is an error of the run.
  const alive = new Set(LIBS.filter((w) => !failed[w]));
  const once = async (which) => {
    try {
      return await page.evaluate((w) => window.bench.once(w), which);
    } catch (e) {
      if (which === 'ours') throw e;
      errorsOf.push(`${item.id}, ${NAMES[which]}: ${String(e?.message ?? e).split('\n')[0]}`);
      alive.delete(which);
      return null;
    }
  };
  const samples = { ours: [], theirs: [], jaxjs: [] };
  for (let i = 0; i < item.warmup; i++) for (const which of LIBS) if (alive.has(which)) await once(which);
  for (let i = 0; i < item.reps; i++) {
    for (const which of LIBS) {
      if (!alive.has(which)) continue;
      const ms = await once(which);
      if (ms !== null && alive.has(which)) samples[which].push(ms);
    }
  }
  for (const which of LIBS) if (!alive.has(which)) samples[which] = [];
  const profile = opt.profile ? await page.evaluate(() => window.bench.profile()) : null;
  const after = await page.evaluate(() => window.bench.teardown());
  const row = {
    id: item.id, group: item.group, unit: 'ms', flops: item.flops ?? null,
    ours: summarize(samples.ours), theirs: summarize(samples.theirs), jaxjs: summarize(samples.jaxjs),
    losses: after.losses, seconds: (performance.now() - t0) / 1000,
  };
  row.ratio = row.theirs ? row.theirs.median / row.ours.median : null;
  row.jaxRatio = row.jaxjs ? row.jaxjs.median / row.ours.median : null;
  log(`${item.id}: ours ${fmtSummary(row.ours)}, TF.js ${fmtSummary(row.theirs)}, jax-js ${fmtSummary(row.jaxjs)}, TF.js/ours ${fmtRatio(row.ratio)}, jax-js/ours ${fmtRatio(row.jaxRatio)} [${row.seconds.toFixed(0)} s]`);
  return { row, profile };
}

async function coldRun(url, which) {
  const browser = await launch(['--disable-gpu-shader-disk-cache']);
  try {
    const page = await openPage(browser, url, `cold ${which}`);
    return await page.evaluate((w, o) => window.bench.cold(w, o), which, cold);
  } finally {
    await browser.close();
  }
}

const started = new Date();
const revision = await sourceRevision(root);
const rows = [];
const profiles = {};
let env = null;
let browserVersion = null;
const { server, url } = await serve();
log(`serving ${url}; ${opt.quick ? 'quick' : 'full'} suite, ${items.length} workloads${runCold ? ' + cold start' : ''}; Chromium ${opt.chrome}; source ${revision ?? '?'}`);
let browser;
try {
  browser = await launch();
  browserVersion = await browser.version();
  const page = await openPage(browser, url, 'bench');
  env = await page.evaluate(() => window.bench.init());
  log(`${browserVersion}; ours: ${describeAdapter(env.ours)}; TF.js ${env.tfVersion} ${env.theirs.backend}: ${env.theirs.vendor} ${env.theirs.architecture}; jax-js ${env.jaxError ? `cannot run: ${env.jaxError}` : 'webgpu'}`);
  if (env.jaxError) errorsOf.push(`jax-js: ${env.jaxError}`);
  for (const item of items) {
    const { row, profile } = await withTimeout(runItem(page, item), item.id);
    rows.push(row);
    if (profile) profiles[item.id] = profile;
  }
  await browser.close();
  browser = null;
  if (runCold) {
    const coldResult = {};
    for (const which of ['ours', 'theirs']) coldResult[which] = await withTimeout(coldRun(url, which), `W5 cold start (${which})`);
    if (!env?.jaxError) {
      try {
        coldResult.jaxjs = await withTimeout(coldRun(url, 'jaxjs'), 'W5 cold start (jax-js)');
      } catch (e) {
        errorsOf.push(`W5 cold start, jax-js: ${String(e?.message ?? e).split('\n')[0]}`);
      }
    }
    const one = (v) => (v === null || v === undefined ? null : summarize([v]));
    const first = { id: `W5 cold start to 1st step b${cold.batch}`, group: 'W5', unit: 'ms', ours: one(coldResult.ours.firstStepMs), theirs: one(coldResult.theirs.firstStepMs), jaxjs: one(coldResult.jaxjs?.firstStepMs) };
    // jax-js reports no memory figures
    const peak = { id: `W6 peak GPU memory, train b${cold.batch}`, group: 'W6', unit: 'bytes', ours: one(coldResult.ours.peakBytes), theirs: one(coldResult.theirs.peakBytes), jaxjs: null };
    for (const r of [first, peak]) {
      r.ratio = r.theirs.median / r.ours.median;
      r.jaxRatio = r.jaxjs ? r.jaxjs.median / r.ours.median : null;
    }
    first.cold = coldResult;
    rows.push(first, peak);
    log(`${first.id}: ours ${fmtTime(first.ours.median)}, TF.js ${fmtTime(first.theirs.median)}, jax-js ${fmtTime(first.jaxjs?.median)}; ${peak.id}: ours ${fmtBytes(peak.ours.median)}, TF.js ${fmtBytes(peak.theirs.median)}`);
  }
} catch (e) {
  errors.push(String(e?.stack ?? e));
} finally {
  await browser?.close().catch(() => {});
  await server.close();
}

// ------------------------------------------------------------------------------------------------ report

const headers = ['workload', 'webgpu-cnn', 'TF.js WebGPU', 'jax-js', 'TF.js/ours', 'jax-js/ours', 'ours GFLOP/s', 'TF.js GFLOP/s', 'jax-js GFLOP/s'];
const cells = rows.map((r) => [
  r.id, fmtSummary(r.ours, r.unit), fmtSummary(r.theirs, r.unit), fmtSummary(r.jaxjs, r.unit), fmtRatio(r.ratio), fmtRatio(r.jaxRatio),
  fmtRate(r.flops, r.ours), fmtRate(r.flops, r.theirs), fmtRate(r.flops, r.jaxjs),
]);
const seconds = (Date.now() - started.getTime()) / 1000;
const adapter = env?.ours ?? null;
const date = started.toISOString();
const mode = opt.quick ? 'quick' : 'full';

console.log(`\nwebgpu-cnn vs TensorFlow.js ${env?.tfVersion ?? ''} WebGPU and jax-js, ${browserVersion ?? 'browser ?'}, ${describeAdapter(adapter)}, ${date.slice(0, 10)}, ${mode} suite, source ${revision ?? '?'}`);
console.log(renderTable(headers, cells));
console.log('times: median (min–max) up to a readback; TF.js/ours, jax-js/ours > 1 means webgpu-cnn is faster (W6: uses less memory)');
if (errorsOf.length) console.log(`not measured:\n${errorsOf.map((e) => `- ${e}`).join('\n')}`);
for (const [id, kernels] of Object.entries(profiles)) {
  console.log(`\nour kernels in one ${id} (timestamp-query, one pass per dispatch):`);
  console.log(renderTable(PROFILE_HEADERS, profileRows(kernels)));
}

const w6 = rows.find((r) => r.group === 'W6');
const coldInfo = rows.find((r) => r.group === 'W5')?.cold;
const markdown = [
  `# webgpu-cnn vs TensorFlow.js WebGPU and jax-js (${mode} suite)`,
  '',
  `- date: ${date}; webgpu-cnn source: ${revision ?? 'unknown'}`,
  `- adapter: ${describeAdapter(adapter)}; TF.js ${env?.tfVersion ?? '?'} backend \`${env?.theirs?.backend ?? '?'}\` on vendor ${env?.theirs?.vendor || '?'}, architecture ${env?.theirs?.architecture || '?'} (the same adapter)`,
  `- browser: ${browserVersion ?? '?'} (\`${opt.chrome}\`), headless; flags: \`${FLAGS.join(' ')}\``,
  `- ${rows.length} workloads in ${(seconds / 60).toFixed(1)} min; each timed in the page with performance.now() up to a readback to the CPU;`,
  `  warm-ups first, then repetitions interleaved ours, TF.js, jax-js; median (min–max) of ${items[0]?.reps ?? '?'} repetitions (W4: ${items.find((i) => i.group === 'W4')?.reps ?? '?'})`,
  '',
  renderTable(headers, cells, true),
  '',
  'TF.js/ours and jax-js/ours > 1 mean webgpu-cnn is faster (W6: uses less memory). W3 times the backward kernels alone (ours: the',
  'forward runs untimed before `backward(dy)`; TF.js: `conv2dTranspose` and the `Conv2DBackpropFilter` kernel; jax-js: the pullback',
  'of `jax.vjp` of the conv, its forward output dropped unrealized). jax-js trains its LeNet with the whole Adam step under `jax.jit`.',
  coldInfo ? `W5: a fresh browser per library, from \`init()\` / \`tf.setBackend('webgpu')\` to the first step's loss on the CPU, shader compilation included (from navigation: ours ${fmtTime(coldInfo.ours.sinceNavigationMs)}, TF.js ${fmtTime(coldInfo.theirs.sinceNavigationMs)}, jax-js ${fmtTime(coldInfo.jaxjs?.sinceNavigationMs)}; second step: ours ${fmtTime(coldInfo.ours.secondStepMs)}, TF.js ${fmtTime(coldInfo.theirs.secondStepMs)}, jax-js ${fmtTime(coldInfo.jaxjs?.secondStepMs)}; jax-js reports no memory figures).` : '',
  w6 && coldInfo ? `W6: after two training steps on the cold page; ours \`${coldInfo.ours.peakField}\` (most bytes of storage buffers held at once, in use plus pooled), TF.js \`${coldInfo.theirs.peakField}\` (its buffer manager's allocated bytes, reused buffers included; in use at that point: ${fmtBytes(coldInfo.theirs.memory.numBytesInGPU)}).` : '',
  ...Object.entries(profiles).flatMap(([id, kernels]) => ['', `## Our kernels in one ${id}`, '', 'GPU time per kernel from `timestamp-query`, each dispatch in a pass of its own.', '', renderTable(PROFILE_HEADERS, profileRows(kernels), true)]),
  ...(errorsOf.length ? ['', '## Not measured', '', ...errorsOf.map((e) => `- ${e}`)] : []),
  ...(errors.length ? ['', '## Errors', '', ...errors.map((e) => `- ${e.split('\n')[0]}`)] : []),
  '',
].join('\n');

const json = {
  date, mode, seconds, revision, browser: browserVersion, chrome: opt.chrome, flags: FLAGS, userAgent: env?.userAgent ?? null,
  tfjs: env?.tfVersion ?? null, adapter: { ours: adapter, theirs: env?.theirs ?? null },
  jaxError: env?.jaxError ?? null, rows, profiles, errors, notMeasured: errorsOf, consoleMessages: consoleMessages.slice(0, 200),
};
const dir = path.join(root, 'bench', 'results');
await mkdir(dir, { recursive: true });
// A failed run keeps the last good results and writes beside them.
const base = `${opt.quick ? 'quick' : opt.only ? 'partial' : 'latest'}${errors.length ? '-failed' : ''}`;
await writeFile(path.join(dir, `${base}.json`), JSON.stringify(json, null, 2) + '\n');
await writeFile(path.join(dir, `${base}.md`), markdown);
if (base === 'latest') await writeFile(path.join(dir, `${date.slice(0, 10)}-${adapterSlug(adapter)}.md`), markdown);
console.log(`\nwrote bench/results/${base}.json and ${base}.md${base === 'latest' ? ` (and ${date.slice(0, 10)}-${adapterSlug(adapter)}.md)` : ''} in ${(seconds / 60).toFixed(1)} min`);

if (consoleMessages.length) log(`${consoleMessages.length} console warnings/errors from the pages (in the JSON); first: ${consoleMessages[0]}`);
if (errors.length) {
  log(`\nbench failed:\n${errors.join('\n')}`);
  process.exit(1);
}
process.exit(0);
