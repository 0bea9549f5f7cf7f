/**
 * Tensors: a shape and a reference-counted GPU buffer. Several tensors may share one storage (a reshape is a
 * new shape over the same buffer), and the autograd tape holds references to what backward will read, so a
 * buffer goes back to the pool only when its last holder lets go.
 */
import { runtime, type Runtime } from './gpu/runtime';
import { sizeOf, formatShape, checkShape } from './shape';

export class Storage {
  refs = 1;
  constructor(
    readonly rt: Runtime,
    readonly buffer: GPUBuffer,
    readonly bytes: number,
  ) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.rt.pool.release(this.buffer);
  }
}

/**
 * @internal What the autograd tape hangs on a tensor it recorded (autograd/tape.ts implements it). The tensor
 * only lets go of it or starts backward from it, so this file needs nothing from the tape.
 */
export interface GradLink {
  /** the op that produced the tensor, for messages */
  readonly op: string;
  /** the tensor is gone: drop its hold on the graph */
  release(): void;
  /** reverse-mode autograd from `root`, the tensor this link hangs on */
  backward(root: Tensor, gradient?: Tensor): void;
}

let liveTensors = 0;
const scopes: Set<Tensor>[] = [];

/**
 * An n-dimensional float32 array on the GPU: a shape over a reference-counted GPU buffer. Ops return new
 * tensors and record GPU work without waiting; `await t.data()` reads the values back. `dispose()` frees it now,
 * `scope(fn)` frees what `fn` made, and tensors that become unreachable give their memory back by themselves.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad: boolean;
  /** accumulated gradient, same shape as this tensor; set by backward() */
  grad: Tensor | null = null;
  /** @internal the tape entry that produced this tensor, when it was recorded for autograd */
  node: GradLink | null = null;
  #storage: Storage | null;

  /** @internal use wc.tensor, wc.zeros and friends */
  constructor(shape: readonly number[], storage: Storage, requiresGrad = false) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.#storage = storage;
    this.requiresGrad = requiresGrad;
    liveTensors++;
    scopes[scopes.length - 1]?.add(this);
  }

  /** @internal */
  get storage(): Storage {
    if (!this.#storage) throw new Error(`webgpu-cnn: tensor ${formatShape(this.shape)} was used after dispose()`);
    this.#storage.rt.check();
    return this.#storage;
  }

  /** @internal the GPU buffer behind this tensor */
  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** Whether `dispose()` has freed this tensor (using it then throws). */
  get disposed(): boolean {
    return this.#storage === null;
  }

  /** A copy of the values on the CPU. Submits pending GPU work and waits for it. */
  async data(): Promise<Float32Array> {
    const storage = this.storage;
    storage.retain(); // disposing this tensor while the copy is in flight must not recycle the buffer
    try {
      const bytes = await storage.rt.batch.read(storage.buffer, this.size * 4);
      await storage.rt.reportErrors();
      return new Float32Array(bytes);
    } finally {
      storage.release();
    }
  }

  /**
   * Reverse-mode autograd from this tensor (a single value, unless `gradient` is given): adds d(this)/d(leaf)
   * into `.grad` of every leaf that requires grad, then releases what the forward pass saved.
   */
  backward(gradient?: Tensor): void {
    if (!this.node) {
      const why = this.requiresGrad ? 'is a leaf (a parameter or input), not the result of an op' : 'does not depend on anything that requires grad';
      throw new Error(`webgpu-cnn backward: tensor ${formatShape(this.shape)} ${why}`);
    }
    this.node.backward(this, gradient);
  }

  /** Frees the buffer now (or when the last tensor sharing it lets go). Disposing twice is harmless. */
  dispose(): void {
    if (!this.#storage) return;
    this.#storage.release();
    this.#storage = null;
    liveTensors--;
    this.node?.release();
    this.node = null;
    this.grad?.dispose();
    this.grad = null;
  }

  /** `Tensor[2, 3]`: the shape, never the values (reading them needs `await data()`). */
  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

/** Options of `tensor()`. */
export interface TensorOptions {
  /** record ops on this tensor for `backward()` and give it a `grad` (a parameter); default false */
  requiresGrad?: boolean;
}

/** A tensor holding `data` (row-major) with `shape`; the shape defaults to [data.length]. */
export function tensor(data: Float32Array | readonly number[], shape?: readonly number[], options: TensorOptions = {}): Tensor {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  const s = shape ?? [values.length];
  checkShape('tensor', s);
  if (sizeOf(s) !== values.length) {
    throw new Error(`webgpu-cnn tensor: ${values.length} values do not fill shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  }
  const out = empty(s);
  if (values.length) out.storage.rt.batch.upload(out.buffer, values);
  out.requiresGrad = !!options.requiresGrad;
  return out;
}

/**
 * @internal Overwrites `dst`'s values in place, keeping its identity (parameters loaded from a file, restored
 * state): from another tensor of the same size (a GPU copy) or from CPU data. Ordered after recorded work.
 */
export function assign(dst: Tensor, src: Tensor | Float32Array): void {
  const size = src instanceof Tensor ? src.size : src.length;
  if (size !== dst.size) {
    throw new Error(`webgpu-cnn assign: ${size} values for a tensor of shape ${formatShape(dst.shape)} (${dst.size} elements)`);
  }
  if (size === 0) return;
  const batch = dst.storage.rt.batch;
  if (src instanceof Tensor) batch.copy(src.buffer, dst.buffer, size * 4);
  else batch.upload(dst.buffer, src);
}

/** @internal an uninitialised tensor for an op to write into */
export function empty(shape: readonly number[], rt: Runtime = runtime()): Tensor {
  const bytes = sizeOf(shape) * 4;
  return new Tensor(shape, new Storage(rt, rt.pool.acquire(bytes, `tensor${formatShape(shape)}`), bytes));
}

/** @internal a new tensor over the same storage, with another shape of the same size */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const storage = x.storage;
  storage.retain();
  return new Tensor(shape, storage);
}

/** @internal keeps `t` out of every open scope (gradients, saved tensors, parameters). */
export function untrack(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

type Returned = Tensor | readonly Returned[] | { readonly [key: string]: Returned } | void | number | string | boolean | null | undefined;

function collect(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => collect(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collect(v, into));
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (also inside arrays or objects).
 * `fn` must be synchronous: work recorded after an `await` would escape the scope.
 */
export function scope<T extends Returned>(fn: () => T): T {
  const made = new Set<Tensor>();
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    made.forEach((t) => t.dispose());
    throw new Error('webgpu-cnn: scope(fn) takes a synchronous function; await outside the scope');
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  const outer = scopes[scopes.length - 1];
  for (const t of made) {
    // A leaf that requires grad is a parameter: like a tf.Variable, it outlives the scope that made it.
    if (keep.has(t) || (t.requiresGrad && !t.node)) outer?.add(t);
    else t.dispose();
  }
  return result;
}

/** What `memory()` reports about the GPU memory of this device. */
export interface MemoryInfo {
  /** live tensors */
  tensors: number;
  /** bytes of GPU buffers held by live tensors and the tape */
  bytesInUse: number;
  /** bytes of free buffers kept for reuse */
  bytesPooled: number;
  /** the most bytes held at once (in use plus pooled) */
  peakBytes: number;
}

/** Live tensors and GPU bytes in use, pooled for reuse, and at most so far; a training loop's should stay flat. */
export function memory(): MemoryInfo {
  const { bytesInUse, bytesPooled, peakBytes } = runtime().pool.stats;
  return { tensors: liveTensors, bytesInUse, bytesPooled, peakBytes };
}
