/**
 * Packs a kernel's `Params` uniform from named values, at the offsets wgsl_reflect found, and keeps one
 * immutable uniform buffer per distinct content. A buffer is never rewritten, so a batch of recorded
 * dispatches can share or reuse them freely, and a training step with static shapes creates none after step 1.
 */
import type { EntryInfo } from './reflect';

export type ParamValues = Readonly<Record<string, number | readonly number[]>>;

const LIMIT = 4096;

export function packParams(kernel: string, params: NonNullable<EntryInfo['params']>, values: ParamValues): Uint32Array {
  const bytes = new ArrayBuffer(Math.ceil(params.size / 16) * 16);
  const u32 = new Uint32Array(bytes);
  const i32 = new Int32Array(bytes);
  const f32 = new Float32Array(bytes);
  for (const name of Object.keys(values)) {
    if (!params.fields.has(name)) {
      throw new Error(`webgpu-cnn: kernel ${kernel} has no uniform field "${name}" (fields: ${[...params.fields.keys()].join(', ')})`);
    }
  }
  for (const field of params.fields.values()) {
    const value = values[field.name];
    if (value === undefined) throw new Error(`webgpu-cnn: kernel ${kernel} needs uniform field "${field.name}"`);
    const list = typeof value === 'number' ? [value] : value;
    if (list.length > field.count) {
      throw new Error(`webgpu-cnn: kernel ${kernel}: field "${field.name}" holds ${field.count} values, got ${list.length}`);
    }
    const view = field.scalar === 'f32' ? f32 : field.scalar === 'i32' ? i32 : u32;
    list.forEach((v, i) => {
      const element = Math.floor(i / field.elementWidth);
      const lane = i % field.elementWidth;
      view[(field.offset + element * field.elementStride) / 4 + lane] = v;
    });
  }
  return u32;
}

export class UniformCache {
  private buffers = new Map<string, GPUBuffer>();
  /** buffers a step plan binds: never evicted while pinned (a count per plan that pins it) */
  private pinned = new Map<GPUBuffer, number>();
  created = 0;

  constructor(
    private device: GPUDevice,
    /** destroys a buffer once no pending command can still use it */
    private retire: (buffer: GPUBuffer) => void,
  ) {}

  get(label: string, data: Uint32Array): GPUBuffer {
    const key = String.fromCharCode(...new Uint16Array(data.buffer));
    const hit = this.buffers.get(key);
    if (hit) {
      // Map order is insertion order: moving a hit to the back makes eviction least-recently-used.
      this.buffers.delete(key);
      this.buffers.set(key, hit);
      return hit;
    }
    const buffer = this.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true, label });
    new Uint32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    this.created++;
    this.buffers.set(key, buffer);
    if (this.buffers.size > LIMIT) {
      for (const [oldKey, old] of this.buffers) {
        if (this.pinned.has(old)) continue;
        this.buffers.delete(oldKey);
        this.retire(old);
        break;
      }
    }
    return buffer;
  }

  pin(buffer: GPUBuffer): void {
    this.pinned.set(buffer, (this.pinned.get(buffer) ?? 0) + 1);
  }

  unpin(buffer: GPUBuffer): void {
    const n = (this.pinned.get(buffer) ?? 1) - 1;
    if (n > 0) this.pinned.set(buffer, n);
    else this.pinned.delete(buffer);
  }
}

/** Bind groups keyed by the layout and the identity of each bound buffer, least-recently-used first out. */
export class BindGroupCache {
  private groups = new Map<string, GPUBindGroup>();
  private ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;

  constructor(private device: GPUDevice) {}

  private id(buffer: GPUBuffer): number {
    let id = this.ids.get(buffer);
    if (id === undefined) this.ids.set(buffer, (id = this.nextId++));
    return id;
  }

  get(label: string, layout: GPUBindGroupLayout, layoutId: number, entries: Array<{ binding: number; buffer: GPUBuffer }>): GPUBindGroup {
    const key = `${layoutId}:${entries.map((e) => this.id(e.buffer)).join(',')}`;
    const hit = this.groups.get(key);
    if (hit) {
      this.groups.delete(key);
      this.groups.set(key, hit);
      return hit;
    }
    const group = this.device.createBindGroup({
      label,
      layout,
      entries: entries.map((e) => ({ binding: e.binding, resource: { buffer: e.buffer } })),
    });
    this.groups.set(key, group);
    if (this.groups.size > LIMIT) this.groups.delete(this.groups.keys().next().value as string);
    return group;
  }
}
