/**
 * Records work into one command encoder (one compute pass at a time) and submits it only when a result
 * must reach the CPU, when it is flushed explicitly, or when it grows past `maxDispatches`.
 * Uploads made while work is pending go through the same encoder so that they land in recording order.
 */

import type { Profiler, TimestampQueries } from './timestamps';
import { notWhileRecording, type Recorder } from './recorder';

export class CommandBatch {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** the pipeline the open pass has set: a dispatch of the same one (an optimiser's per-parameter updates) skips setPipeline */
  private passPipeline: GPUComputePipeline | null = null;
  private afterSubmit: Array<() => void> = [];
  private readbackPool = new Map<number, GPUBuffer[]>();
  /** dispatches recorded since the last submit */
  dispatches = 0;
  /** submits so far, for tests and DEBUG output */
  submits = 0;
  /** set by startProfile(): each dispatch then runs in a pass of its own that writes timestamps */
  profiler: Profiler | null = null;
  /** while a step is recorded, copies and uploads go to the recorder instead */
  recorder: Recorder | null = null;
  /**
   * Debug (wc.debug.validate): submit each dispatch on its own, so that a GPU validation error names the kernel
   * that caused it. Otherwise one error scope spans a whole submit, which costs one promise per batch.
   */
  perDispatch = false;
  /** the last dispatch's pipeline and label (read only for perDispatch's error message: a label is a native call) */
  private lastKernel: { pipeline: GPUComputePipeline | null; label?: string } = { pipeline: null };
  /** settles when the error scopes of every submit so far have been read (a chain: nothing piles up) */
  private scopes: Promise<unknown> = Promise.resolve();
  /**
   * set by Runtime.timed() while it records a candidate kernel for the autotuner: each dispatch then runs in a
   * pass of its own whose duration goes to `sink` (and not to an open profile, which times the real work only)
   */
  timing: { queries: TimestampQueries; sink: (ns: number) => void; dispatches: number } | null = null;
  /** the timing query sets in use since the last submit */
  private timedQueries = new Set<TimestampQueries>();

  constructor(
    private device: GPUDevice,
    /** receives a message for each GPU error caught around a submit */
    private onError: (message: string) => void = () => {},
    /** submitted on its own once this many dispatches are recorded (tests lower it) */
    public maxDispatches = 2048,
  ) {}

  /** Resolves once the error scopes of every submit so far have been read. */
  async settled(): Promise<void> {
    await this.scopes;
  }

  get pending(): boolean {
    return this.encoder !== null;
  }

  private getEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'webgpu-cnn batch' });
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
    this.passPipeline = null;
  }

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, x: number, y = 1, z = 1, label?: string): void {
    if (this.perDispatch) this.lastKernel = { pipeline, label };
    const own = this.timing !== null || this.profiler !== null;
    if (own) {
      this.endPass();
      let timestampWrites: GPUComputePassTimestampWrites;
      if (this.timing) {
        timestampWrites = this.timing.queries.writes(this.timing.sink);
        this.timing.dispatches++;
        this.timedQueries.add(this.timing.queries);
      } else {
        timestampWrites = this.profiler!.timestampWrites(pipeline.label);
        this.timedQueries.add(this.profiler!.queries);
      }
      this.pass = this.getEncoder().beginComputePass({ timestampWrites });
    }
    this.pass ??= this.getEncoder().beginComputePass();
    if (pipeline !== this.passPipeline) {
      this.pass.setPipeline(pipeline);
      this.passPipeline = pipeline;
    }
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    if (own) this.endPass();
    if (++this.dispatches >= this.maxDispatches || this.perDispatch) this.flush();
  }

  /** Zeroes `bytes` of `dst` from `offset` (both multiples of 4), in recording order. */
  clear(dst: GPUBuffer, bytes: number, offset = 0): void {
    if (this.recorder) {
      this.recorder.record({ kind: 'clear', dst, bytes, offset });
      return;
    }
    this.endPass();
    this.getEncoder().clearBuffer(dst, offset, bytes);
  }

  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    if (this.recorder) {
      this.recorder.record({ kind: 'copy', src, dst, bytes, srcOffset, dstOffset });
      return;
    }
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * Writes `data` into `target`, ordered after everything recorded so far. `refresh` gives the values of later
   * replays when a step is being recorded (see gpu/recorder.ts); eager work ignores it.
   */
  upload(target: GPUBuffer, data: ArrayBufferView, offset = 0, refresh: (() => ArrayBufferView) | null = null): void {
    if (this.recorder) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      this.recorder.record({ kind: 'upload', dst: target, offset, data: bytes, refresh });
      return;
    }
    if (!this.pending) {
      this.device.queue.writeBuffer(target, offset, data.buffer, data.byteOffset, data.byteLength);
      return;
    }
    // queue.writeBuffer would run before the unsubmitted commands, so stage the bytes instead.
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true, label: 'upload staging' });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    staging.unmap();
    this.copy(staging, target, bytes, 0, offset);
    this.onSubmit(() => staging.destroy());
  }

  /** Runs `fn` right after the next submit (to destroy things pending commands still use). */
  onSubmit(fn: () => void): void {
    if (this.pending) this.afterSubmit.push(fn);
    else fn();
  }

  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const timed = [...this.timedQueries];
    this.timedQueries.clear();
    for (const q of timed) q.resolve(this.encoder);
    const what = this.perDispatch && this.dispatches === 1 ? `kernel ${this.lastKernel.label ?? this.lastKernel.pipeline?.label}` : `a batch of ${this.dispatches} dispatches`;
    // Commands are validated at finish() and submit(): an invalid one makes the GPU skip the whole batch.
    this.device.pushErrorScope('validation');
    this.device.queue.submit([this.encoder.finish()]);
    const scope = this.device.popErrorScope().then(
      (error) => {
        if (error) this.onError(`webgpu-cnn: GPU validation error in ${what}, whose work was skipped: ${error.message}`);
      },
      () => {}, // the device was lost: reported by the runtime
    );
    this.scopes = Promise.all([this.scopes, scope]);
    for (const q of timed) q.submitted();
    this.encoder = null;
    this.dispatches = 0;
    this.submits++;
    const callbacks = this.afterSubmit;
    this.afterSubmit = [];
    for (const fn of callbacks) fn();
  }

  /** Copies `bytes` of `src` to the CPU: the one place where the CPU waits for the GPU. */
  async read(src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    if (this.recorder) throw notWhileRecording('data() was called');
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.readbackPool.get(size)?.pop() ??
      this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback staging' });
    this.copy(src, staging, size, offset, 0);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    const list = this.readbackPool.get(size) ?? [];
    if (list.length < 4) {
      list.push(staging);
      this.readbackPool.set(size, list);
    } else {
      staging.destroy();
    }
    return copy;
  }
}
