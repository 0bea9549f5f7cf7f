import { afterAll, beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { paceDawnPolling } from '../../src/gpu/dawn';

let cpu = false;
beforeAll(async () => {
  cpu = (await wc.init()).cpu;
});
afterAll(() => paceDawnPolling(cpu ? 1 : 0));

const nativeCode = (fn: unknown) => typeof fn === 'function' && /\[native code\]/.test(Function.prototype.toString.call(fn));

/**
 * Dawn's re-arms while `wait` ran: how many asked for an immediate (the global setImmediate, which may be the
 * pacing wrapper) and how many reached setTimeout (through that wrapper).
 */
async function rearms(wait: () => Promise<unknown>): Promise<{ timers: number; immediates: number }> {
  const [timeout, immediate] = [globalThis.setTimeout, globalThis.setImmediate];
  const seen = { timers: 0, immediates: 0 };
  // The spy on setTimeout sits under the pacing wrapper (which calls whichever setTimeout is global), the one on
  // setImmediate above it. Dawn's re-arms pass no arguments.
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (nativeCode(fn)) seen.timers++;
    return timeout(fn, ms);
  }) as typeof setTimeout;
  globalThis.setImmediate = ((fn: () => void) => {
    if (nativeCode(fn)) seen.immediates++;
    return immediate(fn);
  }) as unknown as typeof setImmediate;
  try {
    await wait();
  } finally {
    globalThis.setTimeout = timeout;
    globalThis.setImmediate = immediate;
  }
  return seen;
}

async function someWork(): Promise<void> {
  const a = wc.rand([128, 128], { seed: 1 });
  const b = wc.matmul(a, a);
  await b.data();
  a.dispose();
  b.dispose();
}

it('on a CPU adapter, Dawn waits for the GPU on a timer rather than in a busy loop, and JavaScript callbacks are untouched', async ({ skip }) => {
  if (!cpu) skip();
  const seen = await rearms(someWork);
  expect(seen.timers).toBeGreaterThan(0);
  expect(seen.timers).toBe(seen.immediates);
  // a JavaScript callback still runs as an immediate: before a 0 ms timer queued first
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    setTimeout(() => {
      order.push('timer');
      resolve();
    }, 0);
    setImmediate(() => order.push('immediate'));
  });
  expect(order).toEqual(['immediate', 'timer']);
});

it('polling every 0 ms gives back the package polling back to back (dawnPollMs: 0, the default on a GPU)', async () => {
  paceDawnPolling(0);
  const seen = await rearms(someWork);
  expect(seen.immediates).toBeGreaterThan(0);
  expect(seen.timers).toBe(0);
});
