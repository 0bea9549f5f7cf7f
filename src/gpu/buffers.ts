/**
 * Storage buffers for tensors, pooled by size class.
 *
 * Classes are powers of two split into four steps (1, 1.25, 1.5, 1.75 x 2^k), so a buffer is at most 25%
 * bigger than asked for and a training step's same-shaped tensors land in the same class every step.
 * A released buffer may be handed out again right away, even while commands that read it are recorded but
 * not yet submitted: everything that writes a pooled buffer (kernels, and uploads when work is pending) goes
 * through the same queue in recording order, so the earlier reads still see the old contents.
 */

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
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  readonly stats: PoolStats = { bytesInUse: 0, bytesPooled: 0, peakBytes: 0, buffersCreated: 0 };

  /** `maxBytes`: the adapter's limit, so that rounding up to a size class never asks for more than it allows */
  constructor(private device: GPUDevice, private maxBytes = Infinity) {}

  acquire(bytes: number, label: string): GPUBuffer {
    const size = Math.max(bytes, Math.min(sizeClass(bytes), Math.floor(this.maxBytes / 4) * 4));
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.bytesPooled -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label });
      this.stats.buffersCreated++;
    }
    this.stats.bytesInUse += size;
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.stats.bytesInUse + this.stats.bytesPooled);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.stats.bytesInUse -= size;
    this.stats.bytesPooled += size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
  }
}
