/**
 * What a kernel's WGSL says about itself, read with wgsl_reflect: which bindings an entry point uses and how
 * (read-only storage, read-write storage, uniform), and the byte layout of its uniform `Params` struct.
 * Nothing else in the engine counts binding indices or byte offsets.
 */
import { WgslReflect, ResourceType, type TypeInfo, type MemberInfo } from 'wgsl_reflect/wgsl_reflect.module.js';

export type BindingKind = 'read-only-storage' | 'storage' | 'uniform';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

/** One scalar, vector or array-of-vectors field of the Params struct. */
export interface ParamField {
  name: string;
  offset: number;
  /** 'f32' | 'i32' | 'u32' */
  scalar: string;
  /** how many scalars the field holds (1 for a scalar, 4 for a vec4, 8 for array<vec4<u32>, 2>) */
  count: number;
  /** bytes between consecutive scalars' starting points, when the field is an array of vectors */
  elementStride: number;
  elementWidth: number;
}

export interface EntryInfo {
  entry: string;
  bindings: BindingInfo[];
  /** the uniform binding's struct, if the entry point has one */
  params: { binding: number; size: number; fields: Map<string, ParamField> } | null;
}

const reflections = new Map<string, WgslReflect>();

function reflectSource(code: string): WgslReflect {
  let r = reflections.get(code);
  if (!r) {
    r = new WgslReflect(code);
    reflections.set(code, r);
  }
  return r;
}

function scalarOf(type: TypeInfo): { scalar: string; width: number } {
  const name = type.getTypeName();
  const m = /^vec([234])<(\w+)>$/.exec(name) ?? /^vec([234])([fiu])$/.exec(name);
  if (m) {
    const s = m[2].length === 1 ? `${m[2]}32` : m[2];
    return { scalar: s, width: Number(m[1]) };
  }
  if (name === 'f32' || name === 'i32' || name === 'u32') return { scalar: name, width: 1 };
  throw new Error(`webgpu-cnn: uniform field of type ${name} is not supported by the uniform packer`);
}

function paramField(member: MemberInfo): ParamField {
  if (member.isArray) {
    const format = member.format as TypeInfo;
    const { scalar, width } = scalarOf(format);
    return { name: member.name, offset: member.offset, scalar, count: member.count * width, elementStride: member.stride, elementWidth: width };
  }
  const { scalar, width } = scalarOf(member.type);
  return { name: member.name, offset: member.offset, scalar, count: width, elementStride: 4 * width, elementWidth: width };
}

export function reflectEntry(code: string, entry: string, shaderName: string): EntryInfo {
  const r = reflectSource(code);
  const fn = r.entry.compute.find((f) => f.name === entry);
  if (!fn) throw new Error(`webgpu-cnn: shader ${shaderName} has no compute entry point "${entry}"`);
  const bindings: BindingInfo[] = [];
  let params: EntryInfo['params'] = null;
  for (const v of fn.resources) {
    if (v.group !== 0) throw new Error(`webgpu-cnn: ${shaderName}.${entry}: only bind group 0 is used, found ${v.name} in group ${v.group}`);
    if (v.resourceType === ResourceType.Uniform) {
      bindings.push({ name: v.name, binding: v.binding, kind: 'uniform' });
      const members = v.members ?? [];
      params = { binding: v.binding, size: v.size, fields: new Map(members.map((m) => [m.name, paramField(m)])) };
    } else if (v.resourceType === ResourceType.Storage) {
      bindings.push({ name: v.name, binding: v.binding, kind: v.access === 'read_write' ? 'storage' : 'read-only-storage' });
    } else {
      throw new Error(`webgpu-cnn: ${shaderName}.${entry}: binding ${v.name} is neither storage nor uniform`);
    }
  }
  bindings.sort((x, y) => x.binding - y.binding);
  return { entry, bindings, params };
}
