/**
 * Modules hold parameters (tensors with requiresGrad), buffers (state such as running statistics) and child
 * modules, and name them the way PyTorch does, so that stateDict keys ("0.weight", "1.running_mean", ...)
 * and weights move between the two unchanged.
 *
 * As in PyTorch, a subclass need not register anything by hand: a module or a parameter (a leaf tensor with
 * requiresGrad) assigned to one of its fields is found there, under the field's name, in the order the fields
 * were assigned, so `this.encoder = new Sequential(...)` gives keys "encoder.0.weight", ...
 */
import { assign, Tensor } from '../tensor';
import { formatShape } from '../shape';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any, any>;

export interface LoadResult {
  /** the module's keys the dict did not have (left unchanged) */
  missingKeys: string[];
  /** the dict's keys the module does not have (ignored) */
  unexpectedKeys: string[];
}

/** In = forward's arguments, Out = what it returns; a layer maps one tensor to one tensor. */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  training = true;
  private ownParams = new Map<string, Tensor>();
  private ownBuffers = new Map<string, Tensor>();
  private ownChildren = new Map<string, AnyModule>();

  abstract forward(...args: In): Out;

  /** Calls forward: `model.call(x)` reads like PyTorch's `model(x)`. */
  call(...args: In): Out {
    return this.forward(...args);
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParams.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, t);
    return t;
  }

  protected registerModule<M extends AnyModule>(name: string, m: M): M {
    this.ownChildren.set(name, m);
    return m;
  }

  /** Modules and parameters assigned to fields and not registered under another name. */
  private fields(): { params: Array<[string, Tensor]>; children: Array<[string, AnyModule]> } {
    const registered = new Set<unknown>([...this.ownParams.values(), ...this.ownBuffers.values(), ...this.ownChildren.values()]);
    const params: Array<[string, Tensor]> = [];
    const children: Array<[string, AnyModule]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (registered.has(value)) continue;
      if (value instanceof Module) children.push([key, value]);
      else if (value instanceof Tensor && !value.disposed && value.requiresGrad && !value.node) params.push([key, value]);
    }
    return { params, children };
  }

  /** Named children; Sequential overrides this to name its layers "0", "1", ... */
  children(): Array<[string, AnyModule]> {
    return [...this.ownChildren, ...this.fields().children];
  }

  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const own = [...this.ownParams, ...this.fields().params];
    const out: Array<[string, Tensor]> = own.map(([k, t]) => [prefix + k, t]);
    for (const [name, child] of this.children()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [...this.ownBuffers].map(([k, t]) => [prefix + k, t]);
    for (const [name, child] of this.children()) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, frozen ones included (optimisers skip those with requiresGrad = false). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers by PyTorch key. The tensors are the module's own, not copies. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the module's tensors, in place (an optimiser holding them keeps working). Strict (the
   * default): every key must be present and no other. Not strict: the keys both have are loaded, and the
   * others are returned. Shapes must match either way; nothing is written unless all do.
   */
  loadStateDict(dict: Record<string, Tensor | Float32Array>, options: { strict?: boolean } = {}): LoadResult {
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !(k in own));
    if ((options.strict ?? true) && (missingKeys.length || unexpectedKeys.length)) {
      throw new Error(`webgpu-cnn loadStateDict: missing keys [${missingKeys.join(', ')}], unexpected keys [${unexpectedKeys.join(', ')}]`);
    }
    const shared = Object.entries(own).filter(([k]) => k in dict);
    for (const [k, t] of shared) {
      const v = dict[k];
      const size = v instanceof Float32Array ? v.length : v.size;
      const shapeOk = v instanceof Float32Array ? size === t.size : v.shape.join() === t.shape.join();
      if (!shapeOk) {
        const got = v instanceof Float32Array ? `${size} values` : formatShape(v.shape);
        throw new Error(`webgpu-cnn loadStateDict: "${k}" expects ${formatShape(t.shape)}, got ${got}`);
      }
    }
    for (const [k, t] of shared) assign(t, dict[k]);
    return { missingKeys, unexpectedKeys };
  }

  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.children()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer of this module and its children. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}
