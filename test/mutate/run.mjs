#!/usr/bin/env node
/**
 * `npm run mutate`: breaks the library on purpose, one hand-written mutation at a time (test/mutate/mutations.mjs),
 * and checks that the tests named beside each mutation notice. Each mutation is applied to a temporary copy of the
 * repository (node_modules linked, never copied), only its test files run (vitest, stopping at the first failure),
 * and it is reported "caught" (some test failed, which one is named) or "MISSED". The unmutated copy runs the same
 * files first, so a test that fails anyway cannot pass for a catch. Exits non-zero if any mutation is missed or no
 * longer applies to the source.
 *
 *   npm run mutate                     every mutation
 *   npm run mutate -- optim clip       those whose name contains "optim" or "clip"
 *   npm run mutate -- --list           names, files and tests, without running anything
 *   npm run mutate -- --no-baseline    skip the unmutated run
 *
 * Slow on SwiftShader (each vitest start is a few seconds, and some test files take tens): not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutations } from './mutations.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the tests need from the repository; node_modules is linked. */
const COPIED = ['src', 'shaders', 'test', 'demo', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts'];
const PER_RUN_TIMEOUT_MS = 10 * 60 * 1000;

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const filters = args.filter((a) => !a.startsWith('--'));
const chosen = mutations.filter((m) => filters.length === 0 || filters.some((f) => m.name.includes(f)));

if (flags.has('--list')) {
  for (const m of chosen) console.log(`${m.name}\n    ${m.file}  ->  ${m.tests.join(' ')}`);
  process.exit(0);
}
if (chosen.length === 0) {
  console.error(`mutate: no mutation matches ${filters.join(', ')}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'webgpu-cnn-mutate-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on('SIGINT', () => (cleanup(), process.exit(130)));
for (const entry of COPIED) if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');

/** Runs vitest on `files` in the copy; returns whether it passed and the first failing test's name. */
function vitest(files) {
  const report = join(work, 'vitest-report.json');
  rmSync(report, { force: true });
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', '--bail=1', '--reporter=json', `--outputFile=${report}`, ...files], {
    cwd: work, encoding: 'utf8', timeout: PER_RUN_TIMEOUT_MS, env: { ...process.env, CI: '1' },
  });
  const seconds = (Date.now() - started) / 1000;
  let failed = null;
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    for (const file of json.testResults ?? []) {
      const test = (file.assertionResults ?? []).find((t) => t.status === 'failed');
      if (test) {
        const message = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 110);
        failed = `${relative(work, file.name)} > ${test.fullName}: ${message}`;
        break;
      }
      if (file.status === 'failed') {
        failed = `${relative(work, file.name)}: ${(file.message ?? 'failed to run').split('\n')[0].slice(0, 110)}`;
        break;
      }
    }
  }
  if (run.status !== 0 && !failed) failed = run.error ? `vitest did not finish: ${run.error.message}` : `vitest exited with ${run.status}`;
  return { passed: run.status === 0, failed, seconds };
}

/** Applies a mutation's edits to the copy's text of the file; each search text must occur exactly once. */
function mutate(text, m) {
  let out = text;
  for (const [search, replacement] of m.edits) {
    const at = out.indexOf(search);
    if (at < 0 || out.indexOf(search, at + 1) >= 0) {
      throw new Error(`${at < 0 ? 'not found' : 'found more than once'} in ${m.file}: ${JSON.stringify(search).slice(0, 80)}`);
    }
    out = out.slice(0, at) + replacement + out.slice(at + search.length);
  }
  return out;
}

const results = [];
try {
  if (!flags.has('--no-baseline')) {
    const files = [...new Set(chosen.flatMap((m) => m.tests))];
    console.log(`mutate: baseline, unmutated: ${files.length} test files`);
    const base = vitest(files);
    if (!base.passed) {
      console.error(`mutate: the unmutated copy fails already (${base.failed}); fix that first`);
      process.exit(2);
    }
    console.log(`mutate: baseline passed in ${base.seconds.toFixed(0)} s\n`);
  }
  for (const m of chosen) {
    const path = join(work, m.file);
    const original = readFileSync(path, 'utf8');
    let result;
    try {
      writeFileSync(path, mutate(original, m));
      const run = vitest(m.tests);
      result = run.passed
        ? { status: 'MISSED', detail: `${m.tests.join(' ')} passed`, seconds: run.seconds }
        : { status: 'caught', detail: run.failed, seconds: run.seconds };
    } catch (e) {
      result = { status: 'STALE', detail: e.message, seconds: 0 };
    } finally {
      writeFileSync(path, original);
    }
    results.push({ ...m, ...result });
    console.log(`${result.status.padEnd(6)} ${m.name}  (${result.seconds.toFixed(0)} s)\n       ${result.detail}`);
  }
} finally {
  cleanup();
}

const count = (s) => results.filter((r) => r.status === s).length;
const bad = results.filter((r) => r.status !== 'caught');
console.log(`\nmutate: ${count('caught')} of ${results.length} mutations caught, ${count('MISSED')} missed, ${count('STALE')} no longer apply`);
for (const r of bad) console.log(`  ${r.status} ${r.name}`);
process.exit(bad.length ? 1 : 0);
