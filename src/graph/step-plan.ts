/**
 * A recorded step made runnable: its intermediates get real buffers (shared where lifetimes allow, see
 * memory-plan.ts), its bind groups are built once, and `run` encodes the commands into one command buffer and
 * submits it. A run does no shape logic, builds no tape and allocates nothing but the buffers it hands back.
 *
 * Nothing a run writes from the CPU may land before earlier runs that are recorded but not yet submitted, so
 * inputs and refreshed values (a learning rate, a seed) go to a slot of a small ring buffer (queue.writeBuffer)
 * and from there, by in-stream copies, to where the commands read them; a slot is reused only after the runs
 * that read it were submitted, and the batch is flushed when the ring is full. Uploads whose values never
 * change are written once into `uploads`. The plan binds real buffers it does not own (parameters, optimiser
 * state) as they are, and stops being valid the moment one of them goes back to the pool.
 */
import type { Runtime } from '../gpu/runtime';
import { isVirtual, type Recorded, type Recorder, type VirtualBuffer } from '../gpu/recorder';
import { planMemory, pooledBytes, type Lifetime } from './memory-plan';

type Op =
  | { kind: 'dispatch'; pipeline: GPUComputePipeline; group: GPUBindGroup; workgroups: [number, number, number]; buffers: GPUBuffer[] }
  | { kind: 'copy'; src: GPUBuffer; dst: GPUBuffer; bytes: number; srcOffset: number; dstOffset: number }
  | { kind: 'clear'; dst: GPUBuffer; bytes: number; offset: number }
  /** a refreshed upload: from the run's ring slot, or from `uploads` (the recorded values) on the first run */
  | { kind: 'refresh'; index: number; dst: GPUBuffer; bytes: number; srcOffset: number; dstOffset: number };

/**
 * The ring holds one slot (inputs and refreshed values) per run recorded but not yet submitted: about this many
 * bytes, between 2 and 32 slots. A batch of 64 MNIST images is 200 KB, so small models queue up to 10 runs.
 */
let ringBytes = 2 * 1024 * 1024;

/** @internal tests shrink the ring to make it go round (null restores the default) */
export function setRingBytes(bytes: number | null): void {
  ringBytes = bytes ?? 2 * 1024 * 1024;
}

/** Where a run's input comes from: CPU values, or a tensor's buffer (copied in-stream). */
export type InputSource = ArrayBufferView | GPUBuffer;

export class StepPlan {
  /** false once a buffer the plan binds but does not own was given back */
  valid = true;
  /** bytes of the buffers the plan owns (intermediates and uploads) */
  readonly bytes: number;
  /** bytes an eager pool would have kept for the same intermediates */
  readonly eagerBytes: number;
  /** of `bytes`, the ring of per-step inputs for the runs of one submit (eager steps stage theirs inside Dawn) */
  readonly ringBytes: number;
  /** whether later runs repeat the step: it gave back every buffer it made but its outputs, and freed nothing it binds */
  readonly replayable: boolean;
  readonly dispatches: number;

  private readonly owned: GPUBuffer[] = [];
  private readonly ops: Op[] = [];
  private readonly inputs: Array<{ buffer: GPUBuffer; bytes: number }>;
  private readonly outputs: Array<{ buffer: GPUBuffer; bytes: number }>;
  private readonly refreshes: Array<{ offset: number; bytes: number; fn: () => ArrayBufferView }> = [];
  private readonly uploads: GPUBuffer | null;
  /** per slot: the inputs at inputOffsets, then the refreshed values at their offsets */
  private readonly ring: GPUBuffer;
  private readonly slotBytes: number;
  private readonly inputOffsets: number[];
  /** per slot: the batch's submit count when its last reader was recorded; free once the batch moved past it */
  private readonly slotReaders: number[];
  private nextSlot = 0;
  private readonly watched: GPUBuffer[] = [];
  private readonly pinned: GPUBuffer[] = [];
  private readonly invalidate = () => this.dispose();

  constructor(
    private readonly rt: Runtime,
    rec: Recorder,
    inputs: readonly VirtualBuffer[],
    /** buffers made by the step that are still held at its end, in the order run() hands them back */
    outputs: readonly VirtualBuffer[],
  ) {
    const commands = rec.commands;
    const lifetimes = new Map<VirtualBuffer, Lifetime>();
    const touch = (b: GPUBuffer, at: number) => {
      if (!isVirtual(b)) return;
      const l = lifetimes.get(b);
      if (l) l.last = at;
      else lifetimes.set(b, { bytes: b.size, first: at, last: at });
    };
    commands.forEach((c, i) => buffersOf(c).forEach((b) => touch(b, i)));
    for (const v of inputs) lifetimes.set(v, { bytes: v.size, first: -1, last: lifetimes.get(v)?.last ?? -1 });
    for (const v of outputs) {
      const l = lifetimes.get(v) ?? { bytes: v.size, first: commands.length, last: commands.length };
      lifetimes.set(v, { ...l, last: commands.length });
    }
    const virtuals = [...lifetimes.keys()];
    const memory = planMemory(virtuals.map((v) => lifetimes.get(v)!));
    const device = rt.device;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const slots = memory.slotBytes.map((size, i) => device.createBuffer({ size, usage, label: `step plan buffer ${i}` }));
    this.owned.push(...slots);
    const real = new Map<VirtualBuffer, GPUBuffer>(virtuals.map((v, i) => [v, slots[memory.slot[i]]]));
    const resolve = (b: GPUBuffer): GPUBuffer => (isVirtual(b) ? real.get(b)! : b);

    // Every recorded upload gets its own region of one buffer, written now; refreshed regions are rewritten per run.
    const uploadBytes = commands.reduce((n, c) => n + (c.kind === 'upload' ? align4(c.data.byteLength) : 0), 0);
    this.uploads = uploadBytes ? device.createBuffer({ size: uploadBytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'step plan uploads' }) : null;
    if (this.uploads) this.owned.push(this.uploads);

    let uploadOffset = 0;
    const external = new Set<GPUBuffer>();
    for (const c of commands) {
      if (c.kind === 'dispatch') {
        const entries = c.entries.map(({ binding, buffer }) => {
          if (!isVirtual(buffer)) external.add(buffer);
          return { binding, resource: isVirtual(buffer) ? { buffer: resolve(buffer), offset: 0, size: buffer.size } : { buffer } };
        });
        const group = device.createBindGroup({ label: c.label, layout: c.layout, entries });
        this.ops.push({ kind: 'dispatch', pipeline: c.pipeline, group, workgroups: c.workgroups, buffers: entries.map((e) => e.resource.buffer) });
      } else if (c.kind === 'copy') {
        [c.src, c.dst].forEach((b) => !isVirtual(b) && external.add(b));
        this.ops.push({ kind: 'copy', src: resolve(c.src), dst: resolve(c.dst), bytes: c.bytes, srcOffset: c.srcOffset, dstOffset: c.dstOffset });
      } else if (c.kind === 'clear') {
        if (!isVirtual(c.dst)) external.add(c.dst);
        this.ops.push({ kind: 'clear', dst: resolve(c.dst), bytes: c.bytes, offset: c.offset });
      } else {
        if (!isVirtual(c.dst)) external.add(c.dst);
        const bytes = align4(c.data.byteLength);
        writeValues(device, this.uploads!, uploadOffset, c.data);
        if (c.refresh) {
          this.ops.push({ kind: 'refresh', index: this.refreshes.length, dst: resolve(c.dst), bytes, srcOffset: uploadOffset, dstOffset: c.offset });
          this.refreshes.push({ offset: 0, bytes, fn: c.refresh });
        } else {
          this.ops.push({ kind: 'copy', src: this.uploads!, dst: resolve(c.dst), bytes, srcOffset: uploadOffset, dstOffset: c.offset });
        }
        uploadOffset += bytes;
      }
    }
    hoistRefreshes(this.ops);
    this.inputs = inputs.map((v) => ({ buffer: resolve(v as unknown as GPUBuffer), bytes: v.size }));
    let slot = 0;
    this.inputOffsets = this.inputs.map(({ bytes }) => ((slot += bytes), slot - bytes));
    for (const r of this.refreshes) {
      r.offset = slot;
      slot += r.bytes;
    }
    this.slotBytes = Math.max(4, align256(slot));
    this.slotReaders = new Array<number>(Math.min(32, Math.max(2, Math.floor(ringBytes / this.slotBytes)))).fill(-1);
    this.ring = device.createBuffer({ size: this.slotBytes * this.slotReaders.length, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'step plan ring' });
    this.owned.push(this.ring);
    this.outputs = outputs.map((v) => ({ buffer: resolve(v as unknown as GPUBuffer), bytes: v.size }));
    this.ringBytes = this.slotBytes * this.slotReaders.length;
    this.bytes = memory.totalBytes + uploadBytes + this.ringBytes;
    this.eagerBytes = pooledBytes(rec.events);
    this.dispatches = this.ops.filter((o) => o.kind === 'dispatch').length;
    rt.pool.countPlan(this.bytes, this.eagerBytes);

    const made = new Set(rec.made);
    rec.released.forEach((_, v) => made.delete(v));
    outputs.forEach((v) => made.delete(v));
    this.replayable = made.size === 0 && ![...external].some((b) => rec.realReleased.has(b));
    // Uniform buffers stay out of their cache's eviction; pooled buffers invalidate the plan when given back.
    for (const b of external) {
      if (b.usage & GPUBufferUsage.UNIFORM) {
        rt.uniforms.pin(b);
        this.pinned.push(b);
      } else {
        rt.pool.watch(b, this.invalidate);
        this.watched.push(b);
      }
    }
  }

  /**
   * Runs the step on `inputs` and submits it. Returns a new pooled buffer per output, holding its value.
   * `first` is the run right after recording: uploads keep the values recorded then instead of refreshing.
   */
  run(inputs: readonly InputSource[], first = false): GPUBuffer[] {
    if (!this.valid) throw new Error('webgpu-cnn: this step plan is no longer valid (a tensor it uses was disposed)');
    const { device, batch, pool } = this.rt;
    const slot = this.takeSlot();
    const base = slot * this.slotBytes;
    inputs.forEach((src, i) => {
      const { buffer, bytes } = this.inputs[i];
      if (ArrayBuffer.isView(src)) {
        writeValues(device, this.ring, base + this.inputOffsets[i], src);
        batch.copy(this.ring, buffer, align4(src.byteLength), base + this.inputOffsets[i], 0);
      } else {
        batch.copy(src, buffer, Math.min(src.size, bytes));
      }
    });
    // The first run right after recording uses the values recorded then; later runs ask for fresh ones.
    if (!first) for (const r of this.refreshes) writeValues(device, this.ring, base + r.offset, r.fn());
    for (const op of this.ops) {
      if (op.kind === 'dispatch') batch.dispatch(op.pipeline, op.group, ...op.workgroups);
      else if (op.kind === 'copy') batch.copy(op.src, op.dst, op.bytes, op.srcOffset, op.dstOffset);
      else if (op.kind === 'clear') batch.clear(op.dst, op.bytes, op.offset);
      else if (first) batch.copy(this.uploads!, op.dst, op.bytes, op.srcOffset, op.dstOffset);
      else batch.copy(this.ring, op.dst, op.bytes, base + this.refreshes[op.index].offset, op.dstOffset);
    }
    const out = this.outputs.map(({ buffer, bytes }) => {
      const copy = pool.acquire(bytes, 'step output');
      batch.copy(buffer, copy, bytes);
      return copy;
    });
    this.slotReaders[slot] = batch.submits;
    return out;
  }

  /**
   * The next ring slot, round robin. Its last reader may still be in the unsubmitted batch (the ring went
   * round within one batch, or a run straddled an automatic flush): then the batch is submitted first.
   */
  private takeSlot(): number {
    const k = this.nextSlot;
    this.nextSlot = (k + 1) % this.slotReaders.length;
    if (this.slotReaders[k] >= this.rt.batch.submits) this.rt.batch.flush();
    return k;
  }

  /** Frees the plan's buffers (after the commands already submitted) and lets go of what it watched. */
  dispose(): void {
    if (!this.valid) return;
    this.valid = false;
    this.rt.pool.countPlan(-this.bytes, -this.eagerBytes);
    this.watched.forEach((b) => this.rt.pool.unwatch(b, this.invalidate));
    this.pinned.forEach((b) => this.rt.uniforms.unpin(b));
    const owned = this.owned;
    this.rt.batch.onSubmit(() => owned.forEach((b) => b.destroy()));
  }
}

/**
 * Moves each refreshed upload (an optimiser's per-step values, written after backward) to the front of the step
 * when nothing before it in the step uses its target: the copies then sit beside the inputs' copies instead of
 * ending a compute pass in the middle of the step and opening another (two WebGPU calls, and a pass barrier).
 */
function hoistRefreshes(ops: Op[]): void {
  const touched = new Set<GPUBuffer>();
  const front: Op[] = [];
  const rest: Op[] = [];
  for (const op of ops) {
    if (op.kind === 'refresh' && !touched.has(op.dst)) {
      front.push(op);
      continue;
    }
    for (const b of opBuffers(op)) touched.add(b);
    rest.push(op);
  }
  ops.splice(0, ops.length, ...front, ...rest);
}

function opBuffers(op: Op): GPUBuffer[] {
  if (op.kind === 'dispatch') return op.buffers;
  if (op.kind === 'copy') return [op.src, op.dst];
  return [op.dst];
}

function buffersOf(c: Recorded): GPUBuffer[] {
  if (c.kind === 'dispatch') return c.entries.map((e) => e.buffer);
  if (c.kind === 'copy') return [c.src, c.dst];
  return [c.dst];
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;
const align256 = (n: number) => Math.ceil(n / 256) * 256;

function writeValues(device: GPUDevice, target: GPUBuffer, offset: number, values: ArrayBufferView): void {
  device.queue.writeBuffer(target, offset, values.buffer, values.byteOffset, values.byteLength);
}
