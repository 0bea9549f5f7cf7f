import type { Tensor } from '../tensor';
import { Module, type AnyModule } from './module';

/**
 * torch.nn.ModuleList: holds modules under keys "0", "1", ... so their parameters are found and named, for a
 * forward that calls them itself (a U-Net's encoder blocks, whose outputs it keeps for the skips).
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<[Tensor], never> implements Iterable<M> {
  private readonly items: M[];
  constructor(modules: Iterable<M> = []) {
    super();
    this.items = [...modules];
  }
  get length(): number {
    return this.items.length;
  }
  get(index: number): M {
    const m = this.items[index < 0 ? index + this.items.length : index];
    if (!m) throw new Error(`webgpu-cnn ModuleList: no module ${index} (it holds ${this.items.length})`);
    return m;
  }
  append(m: M): this {
    this.items.push(m);
    return this;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
  override children(): Array<[string, AnyModule]> {
    return this.items.map((m, i) => [String(i), m]);
  }
  forward(): never {
    throw new Error('webgpu-cnn ModuleList: has no forward; call its modules');
  }
}
