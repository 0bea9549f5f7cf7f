/**
 * The engine's hold on one GPUDevice: its buffer pool, kernel and uniform caches, the open command batch,
 * and errors waiting to be reported. `init()` makes one; a lost device is reported at the next call into
 * the engine, and `init()` may be called again to start over on a fresh device.
 */
import { acquireDevice, installNodeGlobals, paceDawnPolling, type AcquiredDevice } from './device';
import { BufferPool } from './buffers';
import { CommandBatch } from './batch';
import { PipelineCache, type Constants } from './pipelines';
import { TimestampQueries } from './timestamps';
import type { EntryOf, ShaderName } from './shaders';
import { Recorder } from './recorder';
import { BindGroupCache, UniformCache, packParams, type ParamValues } from './uniforms';

export interface InitOptions {
  /** adopt an application's own device instead of requesting one */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** Node only: flags for Dawn's instance (`webgpu`'s `create(flags)`), e.g. `disable-dawn-features=timestamp_quantization` */
  dawnFlags?: string[];
  /**
   * Node only: while waiting for the GPU, Dawn checks for finished work every this many milliseconds instead of
   * back to back (see paceDawnPolling in gpu/dawn.ts). Default 1 on a CPU adapter, whose kernels share the cores
   * with that loop, and 0 (back to back, no added latency) on a GPU.
   */
  dawnPollMs?: number;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  /** the adapter is SwiftShader, a CPU Vulkan driver: kernels pick CPU-friendly shapes */
  cpu: boolean;
}

export class Runtime {
  readonly pool: BufferPool;
  readonly batch: CommandBatch;
  readonly pipelines: PipelineCache;
  readonly uniforms: UniformCache;
  readonly bindGroups: BindGroupCache;
  readonly adapter: AdapterSummary;
  /** located WGSL compile errors, reported before anything else */
  private compileErrors: string[] = [];
  private gpuErrors: string[] = [];
  lostReason: string | null = null;
  /**
   * bound where a kernel declares an optional buffer that a launch passes as null (e.g. matmul's bias); one for
   * read-only bindings and one for read-write ones, since WebGPU rejects a buffer bound both ways in a dispatch
   */
  private readonly placeholders: { 'read-only-storage': GPUBuffer; storage: GPUBuffer };
  /** the largest tensor a kernel can bind whole, and which adapter limit sets it */
  readonly maxTensorBytes: { bytes: number; name: string };
  /** debug checks run at each readback before errors are reported (wc.debug.checkNumerics registers one) */
  readonly readbackChecks = new Set<() => Promise<void>>();
  /** the query sets of `timed`, made on first use */
  private stopwatch: TimestampQueries | null = null;

  constructor(
    readonly device: GPUDevice,
    info: AcquiredDevice['adapterInfo'],
  ) {
    this.pool = new BufferPool(device, Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize));
    this.batch = new CommandBatch(device, (m) => this.gpuErrors.push(m));
    this.pipelines = new PipelineCache(device, (m) => this.compileErrors.push(m));
    this.uniforms = new UniformCache(device, (b) => this.batch.onSubmit(() => b.destroy()));
    this.bindGroups = new BindGroupCache(device);
    const placeholder = (label: string) => device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE, label });
    this.placeholders = { 'read-only-storage': placeholder('placeholder'), storage: placeholder('read-write placeholder') };
    const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
    this.adapter = { ...info, features: [...device.features].map(String), cpu: /swiftshader|llvmpipe|lavapipe/i.test(text) };
    const { maxBufferSize, maxStorageBufferBindingSize } = device.limits;
    this.maxTensorBytes = maxStorageBufferBindingSize < maxBufferSize
      ? { bytes: maxStorageBufferBindingSize, name: 'maxStorageBufferBindingSize' }
      : { bytes: maxBufferSize, name: 'maxBufferSize' };
    device.addEventListener('uncapturederror', (event) => {
      this.gpuErrors.push(`webgpu-cnn: GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
    void device.lost.then((lost) => {
      if (current === this) this.lostReason = lost.message || lost.reason || 'unknown';
    });
  }

  /** While set (inside a recording), launches only start building their pipelines in the background. */
  warming = false;

  /** The recording in progress, when a step is being compiled (gpu/recorder.ts). */
  get recorder(): Recorder | null {
    return this.pool.recorder;
  }

  /** From now until stopRecording(), nothing runs: work is recorded and buffers are virtual. */
  startRecording(): Recorder {
    if (this.pool.recorder) throw new Error('webgpu-cnn: a step is already being compiled');
    const recorder = new Recorder();
    this.pool.recorder = recorder;
    this.batch.recorder = recorder;
    return recorder;
  }

  stopRecording(): void {
    this.pool.recorder = null;
    this.batch.recorder = null;
  }

  /**
   * Gives the pool's free buffers back to the device (after the work recorded so far): a step plan is about to
   * hold its own, and what eager steps left in the pool would only add to the peak.
   */
  trimPool(): void {
    const dropped = this.pool.trim();
    this.batch.onSubmit(() => dropped.forEach((b) => b.destroy()));
  }

  /** Submits what is recorded and resolves once the GPU has finished all work submitted so far. */
  async sync(): Promise<void> {
    this.batch.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.reportErrors();
  }

  /** The device can time kernels (`timestamp-query`), as `timed` needs. */
  get canTime(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * Records what `fn` dispatches, each dispatch in a compute pass of its own with timestamps, and calls `done`
   * with their summed GPU time in milliseconds once the batch holding them has run: NaN when nothing was
   * dispatched or the driver reported a pass ending before it began. The autotuner times candidates this way.
   */
  timed(fn: () => void, done: (ms: number) => void): void {
    if (!this.canTime) throw new Error("webgpu-cnn: this device has no 'timestamp-query' feature, so kernels cannot be timed");
    this.stopwatch ??= new TimestampQueries(this.device, 'tuning');
    let [received, ns, backwards] = [0, 0, false];
    let expected = -1;
    const settle = () => {
      if (received === expected) done(backwards || expected === 0 ? NaN : ns / 1e6);
    };
    const previous = this.batch.timing;
    const timing = {
      queries: this.stopwatch,
      dispatches: 0,
      sink: (t: number) => {
        received++;
        if (t < 0) backwards = true;
        else ns += t;
        settle();
      },
    };
    this.batch.timing = timing;
    try {
      fn();
    } finally {
      this.batch.timing = previous;
    }
    expected = timing.dispatches;
    settle();
    // A candidate's outputs and scratch went back to the pool in sizes the step may never ask for again (split-K
    // partial sums, other tile padding): dropped once this batch is submitted, so that timing the variants of
    // every shape class does not stack them all up in the pool.
    this.trimPool();
    this.batch.flush();
  }

  /** Throws if the device was lost; call before recording anything. */
  check(): void {
    if (this.lostReason !== null) {
      throw new Error(`webgpu-cnn: the GPU device was lost (${this.lostReason}); call init() again`);
    }
  }

  /** Throws the first compile or validation error seen since the last call. */
  async reportErrors(): Promise<void> {
    await this.pipelines.settled().catch(() => {});
    await this.batch.settled();
    for (const check of this.readbackChecks) await check();
    // A shader that fails to compile also raises uncaptured errors; the located message says it better.
    const first = this.compileErrors[0] ?? this.gpuErrors[0];
    this.compileErrors = [];
    this.gpuErrors = [];
    if (first) throw new Error(first);
  }

  /**
   * The error to throw when a readback failed (Dawn rejects with a bare DOMException, often an empty
   * AbortError): the lost device or the GPU error behind it when there is one, else the exception itself.
   */
  async readFailure(what: string, cause: unknown): Promise<Error> {
    // A lost device settles its promise on the next tick; give it that chance before deciding.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const e = cause as { name?: string; message?: string };
    const detail = `${e?.name ?? 'Error'}${e?.message ? `: ${e.message}` : ''}`;
    if (this.lostReason !== null) {
      return new Error(`webgpu-cnn: ${what} failed because the GPU device was lost (${this.lostReason}); call init() again (${detail})`);
    }
    const gpu = this.compileErrors[0] ?? this.gpuErrors[0];
    this.compileErrors = [];
    this.gpuErrors = [];
    return new Error(`webgpu-cnn: ${what} failed: ${gpu ?? detail}`);
  }

  /** Records one dispatch of `shader.entry`, binding buffers by their WGSL names. */
  launch<S extends ShaderName>(call: KernelCall<S>): void {
    this.check();
    if (this.warming) {
      this.pipelines.warm(call.shader, call.entry, call.constants);
      return;
    }
    const kernel = this.pipelines.pipeline(call.shader, call.entry, call.constants);
    const { info } = kernel;
    const entries: Array<{ binding: number; buffer: GPUBuffer }> = [];
    for (const b of info.bindings) {
      if (b.kind === 'uniform') {
        const data = packParams(kernel.label, info.params!, call.params ?? {});
        entries.push({ binding: b.binding, buffer: this.uniforms.get(kernel.label, data) });
        continue;
      }
      const buffer = call.bindings[b.name];
      if (buffer === undefined) throw new Error(`webgpu-cnn: kernel ${kernel.label} needs a buffer for binding "${b.name}"`);
      entries.push({ binding: b.binding, buffer: buffer ?? this.placeholders[b.kind] });
    }
    for (const name of Object.keys(call.bindings)) {
      if (!info.bindings.some((b) => b.name === name)) {
        throw new Error(`webgpu-cnn: kernel ${kernel.label} has no binding "${name}"`);
      }
    }
    const [x, y = 1, z = 1] = call.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`webgpu-cnn: kernel ${kernel.label}: grid ${x}x${y}x${z} exceeds the adapter's maxComputeWorkgroupsPerDimension (${max})`);
    }
    const recorder = this.recorder;
    if (recorder) {
      const { label, pipeline, layout } = kernel;
      recorder.record({ kind: 'dispatch', label, pipeline, layout, entries, workgroups: [x, y, z] });
      return;
    }
    const group = this.bindGroups.get(kernel.label, kernel.layout, kernel.layoutId, entries);
    this.batch.dispatch(kernel.pipeline, group, x, y, z, kernel.label);
  }

  /** A 1-D problem of `groups` workgroups laid out on a 2-D grid that respects the per-dimension limit. */
  grid1d(groups: number): [number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= max) return [Math.max(groups, 1), 1];
    const y = Math.ceil(groups / max);
    if (y > max) throw new Error(`webgpu-cnn: ${groups} workgroups exceed the adapter's maxComputeWorkgroupsPerDimension (${max}) squared`);
    return [Math.ceil(groups / y), y];
  }
}

export interface KernelCall<S extends ShaderName = ShaderName> {
  shader: S;
  entry: EntryOf<S>;
  constants?: Constants;
  /** buffers by WGSL binding name; null binds a placeholder where the kernel declares an input it won't read */
  bindings: Record<string, GPUBuffer | null>;
  params?: ParamValues;
  workgroups: readonly [number, number?, number?];
}

let current: Runtime | null = null;

export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  if (options.device) {
    await installNodeGlobals();
    await checkAlive(options.device);
  }
  const acquired: AcquiredDevice = options.device
    ? { device: options.device, adapterInfo: adoptedInfo(options.device) }
    : await acquireDevice(options.powerPreference, options.dawnFlags);
  current = new Runtime(acquired.device, acquired.adapterInfo);
  paceDawnPolling(options.dawnPollMs ?? (current.adapter.cpu ? 1 : 0));
  return current.adapter;
}

/** A destroyed or lost device settles `lost` within a tick: refuse it rather than fail at the first kernel. */
async function checkAlive(device: GPUDevice): Promise<void> {
  if (typeof device?.createBuffer !== 'function' || !device.lost) {
    throw new TypeError('webgpu-cnn init: options.device must be a GPUDevice');
  }
  const lost = await Promise.race([device.lost, new Promise<null>((resolve) => setTimeout(() => resolve(null), 0))]);
  if (lost) {
    throw new Error(`webgpu-cnn init: the GPUDevice passed as options.device is already lost or destroyed (${lost.message || lost.reason || 'no reason given'}); pass a live device, or call init() without one`);
  }
}

function adoptedInfo(device: GPUDevice): AcquiredDevice['adapterInfo'] {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}

export function runtime(): Runtime {
  if (!current) throw new Error('webgpu-cnn: call `await wc.init()` before using tensors');
  current.check();
  return current;
}

export function hasRuntime(): boolean {
  return current !== null;
}
