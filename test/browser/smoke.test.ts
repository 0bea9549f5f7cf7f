import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'puppeteer';
import type { ViteDevServer } from 'vite';
import { launchChromium, serveRepo } from './chromium';
import { expectClose } from '../helpers';

let browser: Browser;
let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await serveRepo());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('headless Chromium imports the library, runs a matmul and matches the reference, and reads an ImageBitmap', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/test/browser/smoke.html`);
  await page.waitForFunction('window.smokeResult !== undefined', { timeout: 90_000 });
  const result = (await page.evaluate('window.smokeResult')) as {
    ok: boolean;
    error?: string;
    adapter?: { architecture: string; description: string };
    maxError?: number;
    length?: number;
    bitmap?: { shape: number[]; values: number[] };
  };
  expect(result.error).toBeUndefined();
  expect(result.ok).toBe(true);
  expect(result.length).toBe(65 * 17);
  expect(result.maxError).toBeLessThan(1e-4);
  // bitmapToTensor: R = [1, 0.4], G = [0, 0.8], B = [0.2, 0], then (v - 0.5) / 0.5
  expect(result.bitmap?.shape).toEqual([1, 3, 1, 2]);
  expectClose(result.bitmap!.values, [1, -0.2, -1, 0.6, -0.6, -1], { atol: 1e-6 });
  expect(errors).toEqual([]);
});
