/**
 * GPU timings through the `timestamp-query` feature (off by default). `TimestampQueries` hands out the
 * timestamp writes of compute passes and calls back with each pass's duration once the GPU has written it;
 * `Profiler` (benchmarks, DEBUG output) adds those up per kernel, and the autotuner (kernels/tuning.ts, through
 * `Runtime.timed`) times candidate kernels with them.
 *
 * A timed dispatch gets a compute pass of its own whose beginning and end write timestamps into a query set;
 * at each submit the sets are resolved and copied to mappable buffers, read once the GPU is done.
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

/** A query set with the buffers to resolve it into and read it back from; one per chunk of 2048 passes. */
interface Slab {
  querySet: GPUQuerySet;
  resolved: GPUBuffer;
  readback: GPUBuffer;
  /** per pass: what to call with its duration in nanoseconds (-1: the driver gave an end before its beginning) */
  sinks: Array<(ns: number) => void>;
}

export class TimestampQueries {
  private free: Slab[] = [];
  private all: Slab[] = [];
  /** slabs written by the commands recorded since the last submit */
  private recording: Slab[] = [];
  private reads: Promise<void>[] = [];

  constructor(private device: GPUDevice, private label: string) {}

  /** The timestamp writes for one compute pass; `sink` gets its duration once the batch has run. */
  writes(sink: (ns: number) => void): GPUComputePassTimestampWrites {
    let slab = this.recording[this.recording.length - 1];
    if (!slab || slab.sinks.length * 2 >= CAPACITY) {
      slab = this.free.pop() ?? this.createSlab();
      this.recording.push(slab);
    }
    const i = slab.sinks.length;
    slab.sinks.push(sink);
    return { querySet: slab.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records, at the end of the batch's encoder, the copies that bring this batch's timestamps back. */
  resolve(encoder: GPUCommandEncoder): void {
    for (const slab of this.recording) {
      const count = slab.sinks.length * 2;
      encoder.resolveQuerySet(slab.querySet, 0, count, slab.resolved, 0);
      encoder.copyBufferToBuffer(slab.resolved, 0, slab.readback, 0, count * 8);
    }
  }

  /** Called once the encoder that `resolve` wrote into is submitted: reads its timestamps when they are ready. */
  submitted(): void {
    for (const slab of this.recording) this.reads.push(this.collect(slab));
    this.recording = [];
  }

  /** Resolves when every submitted timestamp has reached its sink. */
  async settled(): Promise<void> {
    await Promise.all(this.reads);
  }

  /** Frees the query sets (call after `settled`). */
  destroy(): void {
    for (const slab of this.all) {
      slab.querySet.destroy();
      slab.resolved.destroy();
      slab.readback.destroy();
    }
    this.all = [];
    this.free = [];
  }

  private async collect(slab: Slab): Promise<void> {
    const count = slab.sinks.length * 2;
    await slab.readback.mapAsync(GPUMapMode.READ, 0, count * 8);
    const stamps = new BigUint64Array(slab.readback.getMappedRange(0, count * 8).slice(0));
    slab.readback.unmap();
    const sinks = slab.sinks;
    slab.sinks = [];
    this.free.push(slab);
    // A driver may report an end before its beginning (clock domains): -1 says so.
    sinks.forEach((sink, i) => sink(stamps[2 * i + 1] >= stamps[2 * i] ? Number(stamps[2 * i + 1] - stamps[2 * i]) : -1));
  }

  private createSlab(): Slab {
    const slab: Slab = {
      querySet: this.device.createQuerySet({ type: 'timestamp', count: CAPACITY, label: `${this.label} timestamps` }),
      resolved: this.device.createBuffer({ size: CAPACITY * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: `${this.label} resolve` }),
      readback: this.device.createBuffer({ size: CAPACITY * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: `${this.label} readback` }),
      sinks: [],
    };
    this.all.push(slab);
    return slab;
  }
}

/** Adds up the GPU time of every dispatch by pipeline label, while a profile is open. */
export class Profiler {
  readonly queries: TimestampQueries;
  private totals = new Map<string, { calls: number; ns: number }>();

  constructor(device: GPUDevice) {
    this.queries = new TimestampQueries(device, 'profile');
  }

  /** The timestamp writes for the pass of the next dispatch, labelled `label`. */
  timestampWrites(label: string): GPUComputePassTimestampWrites {
    return this.queries.writes((ns) => {
      const total = this.totals.get(label) ?? { calls: 0, ns: 0 };
      total.calls++;
      total.ns += Math.max(0, ns); // an end before the beginning counts as zero, never negative
      this.totals.set(label, total);
    });
  }

  /** Waits for every submitted timestamp and returns the kernels, slowest first. Frees the query sets. */
  async finish(): Promise<KernelTime[]> {
    await this.queries.settled();
    this.queries.destroy();
    return [...this.totals]
      .map(([kernel, { calls, ns }]) => ({ kernel, calls, ms: ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
  }
}
