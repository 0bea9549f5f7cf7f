/**
 * Modules hold parameters (tensors with requiresGrad), buffers (state such as running statistics) and child
 * modules, and name them the way PyTorch does, so that stateDict keys ("0.weight", "1.running_mean", ...)
 * and weights move between the two unchanged.
 *
 * As in PyTorch, a subclass need not register anything by hand: a module or a parameter (a leaf tensor with
 * requiresGrad) assigned to one of its fields is found there, under the field's name, in the order the fields
 * were assigned, so `this.encoder = new Sequential(...)` gives keys "encoder.0.weight", ...
 */
import { assign, describeValue, Tensor } from '../tensor';
import { formatShape } from '../shape';

// biome-ignore lint/suspicious/noExplicitAny: a module whose forward takes and returns anything
export type AnyModule = Module<any, any>;

// The empty result of fields(), shared: never pushed to (fields() makes its own array before the first push).
const NONE: never[] = [];

export interface LoadResult {
  /** the module's keys the dict did not have (left unchanged) */
  missingKeys: string[];
  /** the dict's keys the module does not have (ignored) */
  unexpectedKeys: string[];
}

/**
 * The base of every layer and model (torch.nn.Module): subclasses implement `forward` and register their
 * parameters, buffers and child modules (or assign them to fields), which give the PyTorch keys of `stateDict()`.
 * In = forward's arguments, Out = what it returns; a layer maps one tensor to one tensor.
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** training mode (dropout active, batch-norm statistics updated); `train()` and `eval()` set it */
  training = true;
  private ownParams = new Map<string, Tensor>();
  private ownBuffers = new Map<string, Tensor>();
  private ownChildren = new Map<string, AnyModule>();
  /** what the three maps above hold, for fields(); null after a registration until fields() builds it again */
  private registered: Set<unknown> | null = null;

  /** The module's computation: input to output, recorded for autograd like any op. */
  abstract forward(...args: In): Out;

  /** Calls forward: `model.call(x)` reads like PyTorch's `model(x)`. */
  call(...args: In): Out {
    return this.forward(...args);
  }

  /** Adds a trainable tensor under `name` (its key in `stateDict()`); sets its `requiresGrad`. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParams.set(name, t);
    this.registered = null;
    return t;
  }

  /** Adds non-trainable state under `name` (e.g. `running_mean`), saved in `stateDict()`. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, t);
    this.registered = null;
    return t;
  }

  /** Adds a child module; its keys get the prefix `name.`. */
  protected registerModule<M extends AnyModule>(name: string, m: M): M {
    this.ownChildren.set(name, m);
    this.registered = null;
    return m;
  }

  /**
   * Modules and parameters assigned to fields and not registered under another name. A compiled training step
   * walks this on every call (its state key), so fields that are neither cost no allocation.
   */
  private fields(): { params: Array<[string, Tensor]>; children: Array<[string, AnyModule]> } {
    let params: Array<[string, Tensor]> = NONE;
    let children: Array<[string, AnyModule]> = NONE;
    for (const key of Object.keys(this)) {
      const value: unknown = this[key as keyof this];
      if (!(value instanceof Module || value instanceof Tensor)) continue;
      this.registered ??= new Set<unknown>([...this.ownParams.values(), ...this.ownBuffers.values(), ...this.ownChildren.values()]);
      if (this.registered.has(value)) continue;
      if (value instanceof Module) {
        if (children === NONE) children = [];
        children.push([key, value]);
      } else if (value instanceof Tensor && !value.disposed && value.requiresGrad && !value.node) {
        if (params === NONE) params = [];
        params.push([key, value]);
      }
    }
    return { params, children };
  }

  /** Named children; Sequential overrides this to name its layers "0", "1", ... */
  children(): Array<[string, AnyModule]> {
    return [...this.ownChildren, ...this.fields().children];
  }

  /** Every parameter with its PyTorch key, children included, keys prefixed by `prefix`. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const own = [...this.ownParams, ...this.fields().params];
    const out: Array<[string, Tensor]> = own.map(([k, t]) => [prefix + k, t]);
    for (const [name, child] of this.children()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every buffer with its PyTorch key, children included, keys prefixed by `prefix`. */
  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [...this.ownBuffers].map(([k, t]) => [prefix + k, t]);
    for (const [name, child] of this.children()) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /**
   * Every parameter, frozen ones included (optimisers skip those with requiresGrad = false); with `recurse`
   * false (as in PyTorch), only this module's own, not its children's.
   */
  parameters(recurse = true): Tensor[] {
    // namedParameters' order, without building the keys
    const out: Tensor[] = [];
    const visit = (m: AnyModule) => {
      out.push(...m.ownParams.values());
      for (const [, t] of m.fields().params) out.push(t);
      if (recurse) for (const [, c] of m.children()) visit(c);
    };
    visit(this);
    return out;
  }

  /** Parameters and buffers by PyTorch key. The tensors are the module's own, not copies. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the module's tensors, in place (an optimiser holding them keeps working). Strict (the
   * default): every key must be present and no other. Not strict: the keys both have are loaded, and the
   * others are returned. Shapes must match either way; nothing is written unless all do. Values may be tensors
   * or arrays of numbers (a Float64Array or number[] is converted to float32).
   */
  loadStateDict(dict: Record<string, Tensor | Float32Array | Float64Array | readonly number[]>, options: { strict?: boolean } = {}): LoadResult {
    const op = 'webgpu-cnn loadStateDict';
    if (typeof dict !== 'object' || dict === null) throw new TypeError(`${op}: expected an object of tensors by key, got ${describeValue(dict)}`);
    const own = this.stateDict();
    // Own keys only: "constructor" or "toString" must not find something inherited on either side.
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !Object.hasOwn(own, k));
    if ((options.strict ?? true) && (missingKeys.length || unexpectedKeys.length)) {
      throw new Error(`${op}: missing keys [${missingKeys.join(', ')}], unexpected keys [${unexpectedKeys.join(', ')}]`);
    }
    const values = new Map<Tensor, Tensor | Float32Array>();
    for (const [k, t] of Object.entries(own)) {
      if (!Object.hasOwn(dict, k)) continue;
      const v: unknown = dict[k];
      let value: Tensor | Float32Array;
      if (v instanceof Tensor) {
        if (v.disposed) throw new Error(`${op}: "${k}" is a tensor that was disposed`);
        if (v.shape.join() !== t.shape.join()) throw new Error(`${op}: "${k}" expects ${formatShape(t.shape)}, got ${formatShape(v.shape)}`);
        value = v;
      } else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
        const list = v as ArrayLike<number>;
        value = list instanceof Float32Array ? list : Float32Array.from(list, Number);
        if (value.length !== t.size) throw new Error(`${op}: "${k}" expects ${formatShape(t.shape)} (${t.size} values), got ${value.length} values`);
      } else {
        throw new TypeError(`${op}: "${k}" must be a Tensor or an array of numbers, got ${describeValue(v)}`);
      }
      values.set(t, value);
    }
    for (const [t, v] of values) assign(t, v);
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode (or eval mode with `false`) on this module and its children. */
  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.children()) c.train(mode);
    return this;
  }

  /** Eval mode: dropout off, batch norm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer of this module and its children. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}
