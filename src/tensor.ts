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
    /** a virtual buffer while a step is being compiled, swapped for real memory after (src/graph/) */
    public buffer: GPUBuffer,
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
 * What a tensor owns, kept apart from the tensor so that the safety net below can free it once the tensor
 * itself is unreachable: one reference to its storage (views share a storage, each with its own reference)
 * and its hold on the tape. `dispose()` empties it; the finalizer frees what is left.
 */
interface Hold {
  storage: Storage | null;
  node: GradLink | null;
  shape: readonly number[];
  /** where the tensor was made, when leak tracking is on */
  stack?: string;
}

function releaseHold(hold: Hold): void {
  if (!hold.storage) return;
  hold.storage.release();
  hold.storage = null;
  liveTensors--;
  tracked.delete(hold);
  const node = hold.node;
  hold.node = null;
  node?.release();
}

/**
 * The safety net for tensors that become unreachable without dispose() (a PyTorch-style loop that drops what
 * forward returned): the garbage collector hands us their Hold and its storage goes back to the pool. It runs
 * whenever the collector gets to it, which it does not time by GPU memory, so scope() and dispose() stay the
 * deterministic way; a disposed tensor unregisters, so nothing is released twice.
 */
const finalizer = new FinalizationRegistry<Hold>(releaseHold);

let trackLeaks = false;
const tracked = new Set<Hold>();

/** Debug: from now on, remember where each new tensor is made (a stack trace each: slow). */
export function setLeakTracking(on: boolean): void {
  trackLeaks = on;
  if (!on) tracked.clear();
}

export interface LiveTensor {
  shape: readonly number[];
  /** the stack trace of the call that made it */
  createdAt: string;
}

/** Debug: the tensors made since leak tracking was turned on that are still alive, oldest first. */
export function liveTensorList(): LiveTensor[] {
  return [...tracked].map((h) => ({ shape: h.shape, createdAt: h.stack ?? '' }));
}

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
  readonly #hold: Hold;

  /** @internal use wc.tensor, wc.zeros and friends */
  constructor(shape: readonly number[], storage: Storage, requiresGrad = false) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.#hold = { storage, node: null, shape: this.shape };
    this.requiresGrad = requiresGrad;
    liveTensors++;
    finalizer.register(this, this.#hold, this);
    if (trackLeaks) {
      this.#hold.stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
      tracked.add(this.#hold);
    }
    scopes[scopes.length - 1]?.add(this);
  }

  /** @internal the tape entry that produced this tensor, when it was recorded for autograd */
  get node(): GradLink | null {
    return this.#hold.node;
  }

  set node(link: GradLink | null) {
    this.#hold.node = link;
  }

  /** @internal */
  get storage(): Storage {
    const storage = this.#hold.storage;
    if (!storage) throw new Error(`webgpu-cnn: tensor ${formatShape(this.shape)} was used after dispose()`);
    storage.rt.check();
    return storage;
  }

  /** @internal the GPU buffer behind this tensor */
  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** Whether `dispose()` has freed this tensor (using it then throws). */
  get disposed(): boolean {
    return this.#hold.storage === null;
  }

  /** A copy of the values on the CPU. Submits pending GPU work and waits for it. */
  async data(): Promise<Float32Array> {
    const storage = this.storage;
    storage.retain(); // disposing this tensor while the copy is in flight must not recycle the buffer
    try {
      let bytes: ArrayBuffer;
      try {
        bytes = await storage.rt.batch.read(storage.buffer, this.size * 4);
      } catch (e) {
        // Dawn rejects a failed map with a bare DOMException (often an empty AbortError): say what happened.
        throw await storage.rt.readFailure(`reading tensor ${formatShape(this.shape)} back`, e);
      }
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
      const why = this.requiresGrad
        ? 'is a leaf (a parameter or input), not the result of an op, so there is nothing to differentiate'
        : 'was not recorded for autograd: it does not depend on anything that requires grad (set requiresGrad: true ' +
          'on the parameters or inputs, and run the forward pass outside noGrad)';
      throw new Error(`webgpu-cnn backward: tensor ${formatShape(this.shape)} ${why}`);
    }
    this.node.backward(this, gradient);
  }

  /** Frees the buffer now (or when the last tensor sharing it lets go). Disposing twice is harmless. */
  dispose(): void {
    if (!this.#hold.storage) return;
    finalizer.unregister(this);
    releaseHold(this.#hold);
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

/** Nested lists of numbers, as PyTorch's torch.tensor takes them. */
export type NestedNumbers = number | readonly NestedNumbers[];

/**
 * A tensor holding `data` (row-major) with `shape`. Like torch.tensor, nested lists give their own shape
 * (`[[1, 2], [3, 4]]` is [2, 2]) and a number is a 0-d tensor; a flat list or Float32Array is 1-D unless
 * `shape` says otherwise.
 */
export function tensor(data: Float32Array | NestedNumbers, shape?: readonly number[], options: TensorOptions = {}): Tensor {
  const { values, inferred } = flatten(data);
  if (shape !== undefined) checkShape('tensor', shape);
  const s = shape ?? inferred;
  if (sizeOf(s) !== values.length) {
    throw new Error(`webgpu-cnn tensor: ${values.length} values do not fill shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  }
  checkTensorSize('tensor', s);
  const out = empty(s);
  if (values.length) out.storage.rt.batch.upload(out.buffer, values);
  out.requiresGrad = !!options.requiresGrad;
  return out;
}

function flatten(data: unknown): { values: Float32Array; inferred: number[] } {
  if (data instanceof Float32Array) return { values: data, inferred: [data.length] };
  if (typeof data === 'number') return { values: Float32Array.of(data), inferred: [] };
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const list = data as unknown as ArrayLike<number | bigint>;
    return { values: Float32Array.from(list, Number), inferred: [list.length] };
  }
  if (!Array.isArray(data)) {
    throw new TypeError(`webgpu-cnn tensor: data must be a number, a (nested) list of numbers or a Float32Array, got ${describeValue(data)}`);
  }
  // Walk the nesting level by level (no recursion: a hostile list may be deep), checking that it is not ragged.
  const inferred: number[] = [];
  let level: unknown[] = [data];
  while (level.length && Array.isArray(level[0])) {
    const len = (level[0] as unknown[]).length;
    const next: unknown[] = [];
    for (const item of level) {
      if (!Array.isArray(item) || item.length !== len) {
        throw new Error(`webgpu-cnn tensor: nested lists must be rectangular; at depth ${inferred.length} found ${describeValue(item)} where a list of ${len} was expected`);
      }
      for (const v of item) next.push(v);
    }
    inferred.push(len);
    level = next;
  }
  const values = new Float32Array(level.length);
  level.forEach((v, i) => {
    if (typeof v !== 'number') {
      throw new TypeError(`webgpu-cnn tensor: element ${i} is ${describeValue(v)}, expected a number`);
    }
    values[i] = v;
  });
  return { values, inferred };
}

/** What a value is, for messages about wrong arguments: its class or type and, for plain values, a preview. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v !== 'object') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
}

/** @internal Throws a TypeError naming `op` and the argument unless `value` is a live tensor. */
export function expectTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`webgpu-cnn ${op}: ${name} must be a Tensor, got ${describeValue(value)}`);
  if (value.disposed) throw new Error(`webgpu-cnn ${op}: ${name} (tensor ${formatShape(value.shape)}) was used after dispose()`);
}

/**
 * @internal Overwrites `dst`'s values in place, keeping its identity (parameters loaded from a file, restored
 * state): from another tensor of the same size (a GPU copy) or from CPU data. Ordered after recorded work.
 */
export function assign(dst: Tensor, src: Tensor | Float32Array, refresh?: () => Float32Array): void {
  const size = src instanceof Tensor ? src.size : src.length;
  if (size !== dst.size) {
    throw new Error(`webgpu-cnn assign: ${size} values for a tensor of shape ${formatShape(dst.shape)} (${dst.size} elements)`);
  }
  if (size === 0) return;
  const batch = dst.storage.rt.batch;
  if (src instanceof Tensor) batch.copy(src.buffer, dst.buffer, size * 4);
  else batch.upload(dst.buffer, src, 0, refresh ?? null);
}

/**
 * @internal A tensor of raw 32-bit values (u32 seeds as well as floats). `refresh` gives the values of each
 * later replay when this runs inside a compiled step: values that change from step to step without re-planning.
 */
export function uploaded(shape: readonly number[], bits: Float32Array | Uint32Array, refresh?: () => Float32Array | Uint32Array): Tensor {
  const out = empty(shape);
  out.storage.rt.batch.upload(out.buffer, bits, 0, refresh ?? null);
  return out;
}

/**
 * Every kernel binds a tensor's whole buffer, so the adapter's binding limit caps a tensor. Checked when a
 * tensor is made, before Dawn would turn it into an error at some later readback and drop the rest of that
 * batch of work; the public constructors call it with their own name, `empty` for any other op.
 */
export function checkTensorSize(op: string, shape: readonly number[], rt: Runtime = runtime()): void {
  const bytes = sizeOf(shape) * 4;
  const limit = rt.maxTensorBytes;
  if (!(bytes <= limit.bytes)) {
    throw new Error(`webgpu-cnn ${op}: a tensor of shape ${formatShape(shape)} needs ${bytes} bytes, more than the adapter's ${limit.name} (${limit.bytes} bytes)`);
  }
}

/** @internal an uninitialised tensor for an op to write into */
export function empty(shape: readonly number[], rt: Runtime = runtime()): Tensor {
  checkTensorSize('(allocating an op\'s output)', shape, rt);
  const bytes = sizeOf(shape) * 4;
  const storage = new Storage(rt, rt.pool.acquire(bytes, () => `tensor${formatShape(shape)}`), bytes);
  rt.recorder?.hold(storage.buffer, storage);
  return new Tensor(shape, storage);
}

/** @internal a tensor over a buffer just taken from the pool (a compiled step's output) */
export function adopt(shape: readonly number[], buffer: GPUBuffer, rt: Runtime = runtime()): Tensor {
  return new Tensor(shape, new Storage(rt, buffer, sizeOf(shape) * 4));
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
  } catch (e) {
    // Whatever fn made before it threw is unreachable for the caller: free it, then let the error go on.
    scopes.pop();
    for (const t of made) if (!(t.requiresGrad && !t.node)) t.dispose();
    throw e;
  }
  scopes.pop();
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
  /** the most bytes held at once (in use, pooled and held by step plans) */
  peakBytes: number;
  /** bytes that the plans of compiled steps hold for their intermediates and uploads */
  planBytes: number;
  /** what eager execution's pool would hold for the same steps' intermediates */
  eagerPlanBytes: number;
}

/** Live tensors and GPU bytes in use, pooled for reuse, and at most so far; a training loop's should stay flat. */
export function memory(): MemoryInfo {
  const { bytesInUse, bytesPooled, peakBytes, planBytes, eagerPlanBytes } = runtime().pool.stats;
  return { tensors: liveTensors, bytesInUse, bytesPooled, peakBytes, planBytes, eagerPlanBytes };
}
