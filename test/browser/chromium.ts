/**
 * Launches Debian's Chromium headless with WebGPU on (SwiftShader when there is no GPU), and serves the
 * repository through Vite on 127.0.0.1: WebGPU exists only in secure contexts, which a loopback origin is.
 */
import puppeteer, { type Browser } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../bench/chromium.mjs';

export async function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, ...extraFlags] });
}

export async function serveRepo(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({ server: { host: '127.0.0.1', port: 0 }, logLevel: 'error', clearScreen: false });
  await server.listen();
  const address = server.httpServer!.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report a port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}
