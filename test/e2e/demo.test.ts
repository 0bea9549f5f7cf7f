/**
 * End to end: builds the demo page with its own Vite config, serves the static build from 127.0.0.1, and drives
 * it in Debian's headless Chromium (SwiftShader when there is no GPU): the page loads without console errors,
 * trains the small CNN for one short epoch on a sample of MNIST, reaches > 90% test accuracy, reads a digit drawn
 * with the mouse, saves and reloads its weights, and leaves a screenshot in test/artifacts/demo.png.
 *
 * The training is kept small enough for a CPU adapter by the page's query string (the same settings a person
 * picks in the form); DEMO_E2E_QUERY replaces it to try others. The Segment tab trains a narrow U-Net for a
 * few steps and shows held-out canvases with predicted and true masks (screenshot: test/artifacts/segment.png).
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../browser/chromium';

const CONFIG = fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const QUERY = process.env.DEMO_E2E_QUERY ?? 'model=small&optimizer=adam&lr=0.003&batch=32&epochs=1&train=6000&test=500';

let outDir: string;
let server: PreviewServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'webgpu-cnn-demo-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({ configFile: CONFIG, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
  url = server.resolvedUrls!.local[0];
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Every console error, uncaught exception and failed request of the page, none ignored. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  return errors;
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => el.textContent ?? '');
const state = (page: Page) => page.evaluate(() => document.body.dataset.state);

async function waitForState(page: Page, wanted: string, timeoutMs: number, onTick?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await state(page);
    if (now === wanted) return;
    if (now === 'error' || now === 'unsupported') throw new Error(`the page is in state "${now}": ${await text(page, '#status')}`);
    if (Date.now() > deadline) throw new Error(`the page did not reach "${wanted}" in ${timeoutMs / 1000} s (state "${now}": ${await text(page, '#status')})`);
    await onTick?.();
    await new Promise((r) => setTimeout(r, 1000));
  }
}

it('trains a digit classifier in the page, reads a drawn digit, and saves and loads the weights', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  const errors = collectErrors(page);

  await page.goto(`${url}?${QUERY}`);
  await waitForState(page, 'ready', 120_000);
  const adapter = await text(page, '#adapter-name');
  expect(adapter.length).toBeGreaterThan(0);
  expect(adapter).not.toMatch(/Looking|No WebGPU/);

  const started = Date.now();
  let lastLog = started;
  await page.click('#train');
  // The waits below add up to 120 + 540 + 60 + 20 + 120 = 860 s, inside the test's 900 s.
  await waitForState(page, 'done', 540_000, async () => {
    if (Date.now() - lastLog < 30_000) return;
    lastLog = Date.now();
    console.log(`demo e2e: ${Math.round((lastLog - started) / 1000)} s, step ${await text(page, '#stat-step')}, ` +
      `${await text(page, '#stat-rate')} steps/s, loss ${await text(page, '#stat-loss')}, accuracy ${await text(page, '#stat-acc')}`);
  });
  const seconds = (Date.now() - started) / 1000;
  const accuracy = Number(await page.$eval('#stat-acc', (el) => (el as HTMLElement).dataset.value));
  const steps = await text(page, '#stat-step');
  const rate = await text(page, '#stat-rate');
  console.log(`demo e2e: ${QUERY} on "${adapter}": ${steps} steps at ${rate} steps/s, ${seconds.toFixed(1)} s ` +
    `(training and the test evaluation), test accuracy ${(100 * accuracy).toFixed(2)}%`);
  expect(accuracy).toBeGreaterThan(0.9);
  expect(await page.$$eval('#confusion td', (cells) => cells.length)).toBe(11 * 11);
  // The 10 x 10 counts (the first row and column are headings) hold every test digit once, and their diagonal
  // is the accuracy the page reports.
  const counts = await page.$$eval('#confusion tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).slice(1).map((c) => Number(c.textContent))));
  const testDigits = Number(new URLSearchParams(QUERY).get('test') ?? NaN);
  expect(counts.length).toBe(10);
  const total = counts.flat().reduce((a, b) => a + b, 0);
  if (Number.isFinite(testDigits)) expect(total).toBe(testDigits);
  expect(counts.reduce((s, row, i) => s + row[i], 0) / total).toBeCloseTo(accuracy, 6);
  expect(await page.$$eval('#digits figure', (cells) => cells.length)).toBeGreaterThan(0);
  expect(Number(await page.$eval('#filters', (el) => (el as HTMLElement).dataset.filters))).toBe(16);

  // draw a 7 with the mouse: a bar across the top and a stroke down to the bottom left (the pad scrolled into
  // view first: mouse events land only inside the viewport)
  await page.$eval('#pad', (el) => el.scrollIntoView({ block: 'center' }));
  const pad = (await (await page.$('#pad'))!.boundingBox())!;
  const path = [[70, 60], [210, 58], [190, 110], [150, 180], [125, 240]];
  await page.mouse.move(pad.x + path[0][0], pad.y + path[0][1]);
  await page.mouse.down();
  for (const [x, y] of path.slice(1)) await page.mouse.move(pad.x + x, pad.y + y, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => (document.getElementById('prediction') as HTMLElement).dataset.digit !== undefined, { timeout: 60_000 });
  const digit = await page.$eval('#prediction', (el) => (el as HTMLElement).dataset.digit);
  console.log(`demo e2e: the drawn 7 was read as ${digit}`);
  expect(digit).toBe('7');
  await new Promise((r) => setTimeout(r, 300)); // the bars' transition

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });

  // Keep it: the download is a safetensors file that the file picker loads back to the same accuracy.
  const downloads = await mkdtemp(join(tmpdir(), 'webgpu-cnn-download-'));
  try {
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('#save');
    const file = join(downloads, 'mnist-small.safetensors');
    for (let i = 0; i < 100 && !(await readdir(downloads)).includes('mnist-small.safetensors'); i++) await new Promise((r) => setTimeout(r, 200));
    expect((await stat(file)).size).toBeGreaterThan(20_490 * 4);
    const input = (await page.$('input#load'))!;
    await input.uploadFile(file);
    await page.waitForFunction(() => /^Loaded .*right/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 120_000 });
    const reloaded = Number(await page.$eval('#stat-acc', (el) => (el as HTMLElement).dataset.value));
    expect(reloaded).toBeCloseTo(accuracy, 6);
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }

  expect(errors).toEqual([]);
  await page.close();
}, 900_000);

it('the Segment tab trains a U-Net live and shows input, predicted mask and truth side by side', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  const errors = collectErrors(page);
  await page.goto(`${url}?tab=segment&segCanvases=200&segEpochs=1&segWidth=4&segTest=40`);
  await waitForState(page, 'ready', 120_000);
  expect(await page.$eval('#segment-view', (el) => (el as HTMLElement).hidden)).toBe(false);
  expect(await page.$eval('#classify-view', (el) => (el as HTMLElement).hidden)).toBe(true);
  await page.waitForFunction(() => document.body.dataset.segment === 'idle', { timeout: 10_000 });
  const started = Date.now();
  await page.click('#seg-train');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.segment ?? ''), { timeout: 600_000, polling: 1000 });
  expect(await text(page, '#seg-status')).toMatch(/^Done: mean IoU/);
  const iou = Number(await page.$eval('#seg-iou', (el) => (el as HTMLElement).dataset.value));
  console.log(`demo e2e: Segment tab, 13 steps of a width-4 U-Net in ${((Date.now() - started) / 1000).toFixed(1)} s, mean IoU ${iou.toFixed(3)} on 40 held-out canvases`);
  expect(iou).toBeGreaterThan(0);
  expect(iou).toBeLessThanOrEqual(1);
  expect(await page.$$eval('#seg-examples canvas', (cells) => cells.length)).toBe(12);
  expect(await page.$eval('#seg-examples', (el) => (el as HTMLElement).dataset.predicted)).toBe('yes');
  expect(await page.$$eval('#seg-legend span', (items) => items.length)).toBe(11);
  // the classifier's Train button comes back once the U-Net is done
  expect(await page.$eval('#train', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'segment.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
}, 900_000);

it('explains plainly when the browser has no WebGPU, and when it finds no adapter', async () => {
  const cases = [
    { setup: () => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }), title: /no WebGPU/i },
    { setup: () => (GPU.prototype.requestAdapter = async () => null), title: /No GPU adapter/i },
  ];
  for (const { setup, title } of cases) {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.evaluateOnNewDocument(setup);
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.state === 'unsupported', { timeout: 60_000 });
    expect(await text(page, '#unsupported-title')).toMatch(title);
    expect((await text(page, '#unsupported-text')).length).toBeGreaterThan(50);
    expect(await page.$eval('#train', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }
});
