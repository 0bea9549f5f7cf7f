/**
 * The engine's hold on one GPUDevice: its buffer pool, kernel and uniform caches, the open command batch,
 * and errors waiting to be reported. `init()` makes one; a lost device is reported at the next call into
 * the engine, and `init()` may be called again to start over on a fresh device.
 */
import { acquireDevice, installNodeGlobals, type AcquiredDevice } from './device';
import { BufferPool } from './buffers';
import { CommandBatch } from './batch';
import { PipelineCache, type Constants } from './pipelines';
import { TimestampQueries } from './timestamps';
import type { EntryOf, ShaderName } from './shaders';
import { BindGroupCache, UniformCache, packParams, type ParamValues } from './uniforms';

export interface InitOptions {
  /** adopt an application's own device instead of requesting one */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** Node only: flags for Dawn's instance (`webgpu`'s `create(flags)`), e.g. `disable-dawn-features=timestamp_quantization` */
  dawnFlags?: string[];
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
  /** bound where a kernel declares an optional input that a launch passes as null (e.g. matmul's bias) */
  private readonly placeholder: GPUBuffer;
  /** the query sets of `timed`, made on first use */
  private stopwatch: TimestampQueries | null = null;

  constructor(
    readonly device: GPUDevice,
    info: AcquiredDevice['adapterInfo'],
  ) {
    this.pool = new BufferPool(device);
    this.batch = new CommandBatch(device);
    this.pipelines = new PipelineCache(device, (m) => this.compileErrors.push(m));
    this.uniforms = new UniformCache(device, (b) => this.batch.onSubmit(() => b.destroy()));
    this.bindGroups = new BindGroupCache(device);
    this.placeholder = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE, label: 'placeholder' });
    const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
    this.adapter = { ...info, features: [...device.features].map(String), cpu: /swiftshader|llvmpipe|lavapipe/i.test(text) };
    device.addEventListener('uncapturederror', (event) => {
      this.gpuErrors.push(`webgpu-cnn: GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
    void device.lost.then((lost) => {
      if (current === this) this.lostReason = lost.message || lost.reason || 'unknown';
    });
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
    // A shader that fails to compile also raises uncaptured errors; the located message says it better.
    const first = this.compileErrors[0] ?? this.gpuErrors[0];
    this.compileErrors = [];
    this.gpuErrors = [];
    if (first) throw new Error(first);
  }

  /** Records one dispatch of `shader.entry`, binding buffers by their WGSL names. */
  launch<S extends ShaderName>(call: KernelCall<S>): void {
    this.check();
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
      entries.push({ binding: b.binding, buffer: buffer ?? this.placeholder });
    }
    for (const name of Object.keys(call.bindings)) {
      if (!info.bindings.some((b) => b.name === name)) {
        throw new Error(`webgpu-cnn: kernel ${kernel.label} has no binding "${name}"`);
      }
    }
    const group = this.bindGroups.get(kernel.label, kernel.layout, kernel.layoutId, entries);
    const [x, y = 1, z = 1] = call.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new Error(`webgpu-cnn: kernel ${kernel.label}: grid ${x}x${y}x${z} exceeds ${max} workgroups per dimension`);
    }
    this.batch.dispatch(kernel.pipeline, group, x, y, z);
  }

  /** A 1-D problem of `groups` workgroups laid out on a 2-D grid that respects the per-dimension limit. */
  grid1d(groups: number): [number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= max) return [Math.max(groups, 1), 1];
    const y = Math.ceil(groups / max);
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
  if (options.device) await installNodeGlobals();
  const acquired: AcquiredDevice = options.device
    ? { device: options.device, adapterInfo: adoptedInfo(options.device) }
    : await acquireDevice(options.powerPreference, options.dawnFlags);
  current = new Runtime(acquired.device, acquired.adapterInfo);
  return current.adapter;
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
