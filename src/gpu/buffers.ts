/**
 * Storage buffers for tensors, pooled by size class.
 *
 * Classes are powers of two split into four steps (1, 1.25, 1.5, 1.75 x 2^k), so a buffer is at most 25%
 * bigger than asked for and a training step's same-shaped tensors land in the same class every step.
 * A released buffer may be handed out again right away, even while commands that read it are recorded but
 * not yet submitted: everything that writes a pooled buffer (kernels, and uploads when work is pending) goes
 * through the same queue in recording order, so the earlier reads still see the old contents.
 */

import { isVirtual, type Recorder } from './recorder';

const MIN_BYTES = 256;

export function sizeClass(bytes: number): number {
  const n = Math.max(bytes, MIN_BYTES);
  const pow = 2 ** Math.floor(Math.log2(n));
  const step = pow / 4;
  return Math.ceil(n / step) * step;
}

export interface PoolStats {
  bytesInUse: number;
  bytesPooled: number;
  peakBytes: number;
  buffersCreated: number;
  /** bytes of buffers that compiled step plans own (src/graph/), outside the pool but counted in the peak */
  planBytes: number;
  /** what an eager pool would have kept for the same planned steps */
  eagerPlanBytes: number;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  readonly stats: PoolStats = { bytesInUse: 0, bytesPooled: 0, peakBytes: 0, buffersCreated: 0, planBytes: 0, eagerPlanBytes: 0 };
  /** while a step is recorded, buffers are virtual and come from the recorder */
  recorder: Recorder | null = null;
  /** called when a watched buffer comes back to the pool: a plan that binds it must not replay any more */
  private watchers = new Map<GPUBuffer, Set<() => void>>();

  /** `maxBytes`: the adapter's limit, so that rounding up to a size class never asks for more than it allows */
  constructor(private device: GPUDevice, private maxBytes = Infinity) {}

  watch(buffer: GPUBuffer, onRelease: () => void): void {
    let set = this.watchers.get(buffer);
    if (!set) this.watchers.set(buffer, (set = new Set()));
    set.add(onRelease);
  }

  unwatch(buffer: GPUBuffer, onRelease: () => void): void {
    this.watchers.get(buffer)?.delete(onRelease);
  }

  /** A step plan made (+) or freed (-) buffers of its own. */
  countPlan(bytes: number, eagerBytes: number): void {
    this.stats.planBytes += bytes;
    this.stats.eagerPlanBytes += eagerBytes;
    this.notePeak();
  }

  private notePeak(): void {
    const held = this.stats.bytesInUse + this.stats.bytesPooled + this.stats.planBytes;
    this.stats.peakBytes = Math.max(this.stats.peakBytes, held);
  }

  /** A buffer of at least `bytes`; `label` (or the function that makes it) names a buffer created for the call. */
  acquire(bytes: number, label: string | (() => string)): GPUBuffer {
    const name = () => (typeof label === 'string' ? label : label());
    if (this.recorder) return this.recorder.acquire(sizeClass(bytes), name());
    const size = Math.max(bytes, Math.min(sizeClass(bytes), Math.floor(this.maxBytes / 4) * 4));
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.bytesPooled -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: name() });
      this.stats.buffersCreated++;
    }
    this.stats.bytesInUse += size;
    this.notePeak();
    return buffer;
  }

  /** Empties the free lists and returns their buffers, for the caller to destroy once pending work is submitted. */
  trim(): GPUBuffer[] {
    const dropped = [...this.free.values()].flat();
    this.free.clear();
    this.stats.bytesPooled = 0;
    return dropped;
  }

  release(buffer: GPUBuffer): void {
    this.recorder?.release(buffer);
    if (isVirtual(buffer)) return;
    const watchers = this.watchers.get(buffer);
    if (watchers) {
      this.watchers.delete(buffer);
      watchers.forEach((fn) => fn());
    }
    const size = buffer.size;
    this.stats.bytesInUse -= size;
    this.stats.bytesPooled += size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
  }
}
