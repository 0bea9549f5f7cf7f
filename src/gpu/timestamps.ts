/**
 * Per-kernel GPU timings through the `timestamp-query` feature, for benchmarks and DEBUG output (off by default).
 *
 * While a profile is open the command batch gives every dispatch its own compute pass whose beginning and end
 * write timestamps into a query set; at each submit the sets are resolved and copied to mappable buffers, and
 * the durations are added up by pipeline label (`shader.entry(constants)`) once the GPU has written them.
 * One pass per dispatch costs a little more than the batched passes it replaces, so profile to see where the
 * time goes, not to time the whole.
 */

export interface KernelTime {
  /** the pipeline's label: `shader.entry(constants)` */
  kernel: string;
  calls: number;
  /** GPU time summed over the calls, in milliseconds */
  ms: number;
}

/** timestamps per query set: 4096 is WebGPU's largest query set */
const CAPACITY = 4096;

/** A query set with the buffers to resolve it into and read it back from; one per chunk of 2048 dispatches. */
interface Slab {
  querySet: GPUQuerySet;
  resolved: GPUBuffer;
  readback: GPUBuffer;
  labels: string[];
}

export class Profiler {
  private free: Slab[] = [];
  private all: Slab[] = [];
  /** slabs written by the commands recorded since the last submit */
  private recording: Slab[] = [];
  private reads: Promise<void>[] = [];
  private totals = new Map<string, { calls: number; ns: number }>();

  constructor(private device: GPUDevice) {}

  /** The timestamp writes for the pass of the next dispatch, labelled `label`. */
  timestampWrites(label: string): GPUComputePassTimestampWrites {
    let slab = this.recording[this.recording.length - 1];
    if (!slab || slab.labels.length * 2 >= CAPACITY) {
      slab = this.free.pop() ?? this.createSlab();
      this.recording.push(slab);
    }
    const i = slab.labels.length;
    slab.labels.push(label);
    return { querySet: slab.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records, at the end of the batch's encoder, the copies that bring this batch's timestamps back. */
  resolve(encoder: GPUCommandEncoder): void {
    for (const slab of this.recording) {
      const count = slab.labels.length * 2;
      encoder.resolveQuerySet(slab.querySet, 0, count, slab.resolved, 0);
      encoder.copyBufferToBuffer(slab.resolved, 0, slab.readback, 0, count * 8);
    }
  }

  /** Called once the encoder that `resolve` wrote into is submitted: reads its timestamps when they are ready. */
  submitted(): void {
    for (const slab of this.recording) this.reads.push(this.collect(slab));
    this.recording = [];
  }

  /** Waits for every submitted timestamp and returns the kernels, slowest first. Frees the query sets. */
  async finish(): Promise<KernelTime[]> {
    await Promise.all(this.reads);
    for (const slab of this.all) {
      slab.querySet.destroy();
      slab.resolved.destroy();
      slab.readback.destroy();
    }
    return [...this.totals]
      .map(([kernel, { calls, ns }]) => ({ kernel, calls, ms: ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
  }

  private async collect(slab: Slab): Promise<void> {
    const count = slab.labels.length * 2;
    await slab.readback.mapAsync(GPUMapMode.READ, 0, count * 8);
    const stamps = new BigUint64Array(slab.readback.getMappedRange(0, count * 8));
    slab.labels.forEach((label, i) => {
      // A driver may report an end before its beginning (clock domains); count that as zero, never negative.
      const ns = Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i]));
      const total = this.totals.get(label) ?? { calls: 0, ns: 0 };
      total.calls++;
      total.ns += ns;
      this.totals.set(label, total);
    });
    slab.readback.unmap();
    slab.labels = [];
    this.free.push(slab);
  }

  private createSlab(): Slab {
    const slab: Slab = {
      querySet: this.device.createQuerySet({ type: 'timestamp', count: CAPACITY, label: 'profile timestamps' }),
      resolved: this.device.createBuffer({ size: CAPACITY * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'profile resolve' }),
      readback: this.device.createBuffer({ size: CAPACITY * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'profile readback' }),
      labels: [],
    };
    this.all.push(slab);
    return slab;
  }
}
