import { expect, it } from 'vitest';
import { planMemory, pooledBytes } from '../../src/graph/memory-plan';

it('intermediates whose lifetimes overlap get different buffers; the others share, largest first', () => {
  const plan = planMemory([
    { bytes: 1024, first: 0, last: 2 },
    { bytes: 512, first: 1, last: 3 }, // overlaps the first
    { bytes: 256, first: 3, last: 5 }, // after the first: shares its buffer
    { bytes: 2048, first: 6, last: 7 }, // after everything: the largest, made first
    { bytes: 768, first: -1, last: 0 }, // an input, live before the first command and in it
  ]);
  const [a, b, c, d, e] = plan.slot;
  expect(a).not.toBe(b);
  expect(e).not.toBe(a);
  expect(c).not.toBe(b);
  // the 2048 buffer is made first and reused by whichever fits in time: here the first (0..2) and third (3..5)
  expect(plan.slotBytes[d]).toBe(2048);
  expect(new Set(plan.slot).size).toBeLessThan(5);
  for (let i = 0; i < 5; i++) {
    for (let j = i + 1; j < 5; j++) {
      if (plan.slot[i] !== plan.slot[j]) continue;
      const [x, y] = [[1024, 0, 2], [512, 1, 3], [256, 3, 5], [2048, 6, 7], [768, -1, 0]].filter((_, k) => k === i || k === j);
      expect(x[2] < y[1] || y[2] < x[1], `lifetimes ${i} and ${j} share a buffer but overlap`).toBe(true);
    }
  }
  // every lifetime fits its buffer
  plan.slot.forEach((s, i) => expect(plan.slotBytes[s]).toBeGreaterThanOrEqual([1024, 512, 256, 2048, 768][i]));
  expect(plan.totalBytes).toBe(plan.slotBytes.reduce((x, y) => x + y, 0));
});

it('keeps the smaller of the largest-first and first-use plans', () => {
  // Largest first: 10, then 9 and 8 in its buffer, 6 in a second, 3 in a third (19 bytes). In order of first use:
  // 9 and 6 each in a buffer, 3 after the 9, 8 after the 6 (grown to 8), 10 after the 3 (grown to 10): 18 bytes.
  const plan = planMemory([
    { bytes: 8, first: 3, last: 3 },
    { bytes: 3, first: 2, last: 3 },
    { bytes: 6, first: 1, last: 2 },
    { bytes: 10, first: 5, last: 5 },
    { bytes: 9, first: 1, last: 1 },
  ]);
  expect(plan.totalBytes).toBe(18);
});

it('a chain of intermediates, each read only by the next, needs two buffers', () => {
  const chain = Array.from({ length: 10 }, (_, i) => ({ bytes: 4096, first: i, last: i + 1 }));
  expect(planMemory(chain).slotBytes).toEqual([4096, 4096]);
});

it('the eager pool keeps one buffer per size class and concurrent use', () => {
  const a = { size: 256 };
  const b = { size: 256 };
  const c = { size: 512 };
  expect(pooledBytes([[1, a], [1, b], [-1, a], [-1, b], [1, a], [1, c]])).toBe(256 + 256 + 512);
  expect(pooledBytes([[1, a], [-1, a], [1, b], [-1, b]])).toBe(256);
});
