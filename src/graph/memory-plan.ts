/**
 * Which intermediates of a planned step share memory. Every intermediate lives from the first command that
 * touches it to the last; two whose lifetimes don't overlap can use the same buffer. Largest first, each takes
 * the smallest free buffer already made (all are at least as large) or a new one: the greedy-by-size
 * assignment of on-device inference engines. Buffers, not offsets into one arena: WebGPU forbids binding one
 * buffer both read-only and writable in a dispatch, whatever the ranges.
 */

export interface Lifetime {
  bytes: number;
  /** index of the first and last command that uses it (inclusive; -1 for an input written before the step) */
  first: number;
  last: number;
}

export interface MemoryPlan {
  /** per lifetime, the buffer it is given */
  slot: number[];
  /** size of each buffer */
  slotBytes: number[];
  totalBytes: number;
}

export function planMemory(lifetimes: readonly Lifetime[]): MemoryPlan {
  const order = lifetimes.map((_, i) => i).sort((a, b) => lifetimes[b].bytes - lifetimes[a].bytes || lifetimes[a].first - lifetimes[b].first);
  const busy: Array<Array<[number, number]>> = [];
  const slotBytes: number[] = [];
  const slot = new Array<number>(lifetimes.length);
  for (const i of order) {
    const { bytes, first, last } = lifetimes[i];
    let best = -1;
    for (let s = 0; s < slotBytes.length; s++) {
      const free = busy[s].every(([f, l]) => l < first || f > last);
      if (free && (best < 0 || slotBytes[s] < slotBytes[best])) best = s;
    }
    if (best < 0) {
      best = slotBytes.length;
      slotBytes.push(bytes);
      busy.push([]);
    }
    busy[best].push([first, last]);
    slot[i] = best;
  }
  return { slot, slotBytes, totalBytes: slotBytes.reduce((a, b) => a + b, 0) };
}

/**
 * What a pool of size classes (gpu/buffers.ts) ends up holding for the same sequence of buffers made (+1) and
 * given back (-1): each distinct buffer it ever had to create, since it keeps them for reuse.
 */
export function pooledBytes(events: ReadonlyArray<readonly [1 | -1, { size: number }]>): number {
  const free = new Map<number, number>();
  let created = 0;
  for (const [kind, { size }] of events) {
    const n = free.get(size) ?? 0;
    if (kind === -1) free.set(size, n + 1);
    else if (n > 0) free.set(size, n - 1);
    else created += size;
  }
  return created;
}
