/**
 * Weights in the safetensors format (https://github.com/huggingface/safetensors), byte for byte what
 * `safetensors.torch.save_file(model.state_dict(), ...)` writes, so files move between PyTorch and webgpu-cnn:
 *
 *   [u64 little-endian N] [N bytes of UTF-8 JSON header, padded with spaces to a multiple of 8] [byte buffer]
 *
 * The header maps each key to `{"dtype","shape","data_offsets":[begin,end]}` (offsets into the byte buffer,
 * data row-major little-endian) and may hold `"__metadata__": {string: string}`. The tensors must cover the
 * byte buffer exactly, without holes or overlaps.
 *
 * A file is untrusted input: the parser checks every length and offset before it reads, and reads only through
 * DataView within the checked bounds. The pure halves, `parseSafetensors` and `serializeSafetensors`, never
 * touch the GPU; `saveSafetensors` and `loadSafetensors` connect them to a module's stateDict.
 */
import type { AnyModule as Module } from '../nn/module';
import { formatShape } from '../shape';
import { duplicateKey } from './json-keys';

/** One tensor of a safetensors file, as float32 values whatever its stored dtype. */
export interface SafetensorsEntry {
  /** the dtype stored in (or to write to) the file: F32, F64, F16, BF16, I32 or I64 */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** The reference implementation's cap (MAX_HEADER_SIZE): a larger header is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;

interface Codec {
  size: number;
  read(view: DataView, at: number): number;
  /** absent for dtypes we read but do not write */
  write?(view: DataView, at: number, v: number): void;
}

/** For the integer writers; the caller adds the key and dtype to the message. */
function checkInteger(v: number, min: number, max: number): void {
  if (!Number.isInteger(v)) throw new RangeError(`value ${v} is not an integer`);
  if (v < min || v > max) throw new RangeError(`value ${v} is out of range`);
}

// d = (-1)^s * 2^(e-15) * (1 + f/1024), subnormals 2^-14 * f/1024, e = 31 for Inf/NaN.
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
// bfloat16 is the top half of a float32.
function bfloatToFloat(h: number): number {
  bf16Scratch.setUint32(0, h << 16, true);
  return bf16Scratch.getFloat32(0, true);
}

// Looked up with Object.hasOwn only (codecOf): a dtype named "constructor" must not find Object's.
const codecs: Record<string, Codec> = {
  F32: { size: 4, read: (d, at) => d.getFloat32(at, true), write: (d, at, v) => d.setFloat32(at, v, true) },
  F64: { size: 8, read: (d, at) => d.getFloat64(at, true), write: (d, at, v) => d.setFloat64(at, v, true) },
  F16: { size: 2, read: (d, at) => halfToFloat(d.getUint16(at, true)) },
  BF16: { size: 2, read: (d, at) => bfloatToFloat(d.getUint16(at, true)) },
  I32: {
    size: 4,
    read: (d, at) => d.getInt32(at, true),
    write: (d, at, v) => {
      checkInteger(v, -(2 ** 31), 2 ** 31 - 1);
      d.setInt32(at, v, true);
    },
  },
  I64: {
    size: 8,
    read: (d, at) => Number(d.getBigInt64(at, true)),
    write: (d, at, v) => {
      // 2^63 - 1 is not a double: the largest double below 2^63 is 2^63 - 1024.
      checkInteger(v, -(2 ** 63), 2 ** 63 - 1024);
      d.setBigInt64(at, BigInt(v), true);
    },
  },
};

/**
 * The writer's order: descending dtype alignment, then name (safetensors' `prepare`, whose Dtype enum is declared
 * ... I32, U32, F32, F64, I64, U64), so PyTorch's int64 `num_batches_tracked` comes first in the byte buffer.
 */
const writeRank: Record<string, number> = { I32: 0, F32: 1, F64: 2, I64: 3 };

const utf8 = new TextEncoder();

/** Orders keys by their UTF-8 bytes, as Rust's String ordering does (JS `<` compares UTF-16 units). */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const isShape = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);

const codecOf = (dtype: string): Codec | undefined => (Object.hasOwn(codecs, dtype) ? codecs[dtype] : undefined);

/**
 * A header value for an error message, cut short: the header is untrusted and may be huge or nested
 * thousands deep (so no JSON.stringify of the whole value, which would overflow the stack).
 */
function describe(v: unknown): string {
  const s = v === undefined ? 'nothing' : preview(v, 3);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function preview(v: unknown, depth: number): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? String(v);
  if (depth === 0) return Array.isArray(v) ? '[...]' : '{...}';
  if (Array.isArray(v)) return `[${v.slice(0, 8).map((x) => preview(x, depth - 1)).join(',')}${v.length > 8 ? ',...' : ''}]`;
  const entries = Object.entries(v);
  const shown = entries.slice(0, 4).map(([k, x]) => `${JSON.stringify(k)}:${preview(x, depth - 1)}`);
  return `{${shown.join(',')}${entries.length > 4 ? ',...' : ''}}`;
}

const error = (op: string, msg: string): Error => new Error(`webgpu-cnn ${op}: ${msg}`);

/** Keys for an error message: the first few, quoted and cut short like any other header value. */
function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 8).map(describe).join(', ');
  return keys.length > 8 ? `[${shown}, ... ${keys.length - 8} more]` : `[${shown}]`;
}

/**
 * Writes a safetensors file: header keys and data in safetensors' own order, compact JSON with `__metadata__`
 * first when given, the header padded with spaces to a multiple of 8 bytes. Metadata keys are sorted (the Rust
 * writer uses hash-map order, so only a file with at most one metadata key is byte-identical to PyTorch's).
 */
export function serializeSafetensors(
  entries: Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Uint8Array {
  return serialize(entries, metadata, 'serializeSafetensors');
}

function serialize(
  entries: Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry>,
  metadata: Record<string, string> | undefined,
  op: string,
): Uint8Array {
  const list = [...(entries instanceof Map ? entries : Object.entries(entries))].map(([name, e]) => {
    if (name === '__metadata__') throw error(op, '"__metadata__" is reserved for the file\'s metadata and cannot name a tensor');
    const codec = codecOf(e.dtype);
    if (!codec?.write) throw error(op, `"${name}": cannot write dtype ${describe(e.dtype)} (expected one of ${Object.keys(writeRank).join(', ')})`);
    if (!isShape(e.shape)) throw error(op, `"${name}": shape ${describe(e.shape)} is not a list of non-negative integers`);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.data.length) throw error(op, `"${name}": shape ${formatShape(e.shape)} needs ${size} values, got ${e.data.length}`);
    return { name, key: utf8.encode(name), entry: e, write: codec.write, itemBytes: codec.size };
  });
  list.sort((a, b) => writeRank[b.entry.dtype] - writeRank[a.entry.dtype] || compareUtf8(a.key, b.key));

  // Built by hand rather than by JSON.stringify of one object, which would move integer-like keys ("0") first.
  const fields: string[] = [];
  if (metadata !== undefined) {
    const pairs = Object.keys(metadata).sort().map((k) => {
      if (typeof metadata[k] !== 'string') throw error(op, `metadata "${k}" must be a string, got ${describe(metadata[k])}`);
      return `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`;
    });
    fields.push(`"__metadata__":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const { name, entry, itemBytes } of list) {
    const end = offset + entry.data.length * itemBytes;
    fields.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = utf8.encode(`{${fields.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes); // spaces
  let at = 8 + headerBytes;
  for (const { name, entry, write, itemBytes } of list) {
    for (const v of entry.data) {
      try {
        write(view, at, v);
      } catch (e) {
        throw error(op, `"${name}": ${(e as Error).message}, so it cannot be written as ${entry.dtype}`);
      }
      at += itemBytes;
    }
  }
  return out;
}

/**
 * Reads a safetensors file into float32 arrays (F64, F16, BF16, I32 and I64 are converted), checking the whole
 * layout first: header length, JSON, each entry's dtype, shape and offsets, and that the tensors tile the byte
 * buffer exactly. Throws with the offending key and what was expected; never reads out of bounds.
 */
export function parseSafetensors(bytes: Uint8Array): Map<string, SafetensorsEntry> {
  return parse(bytes, 'parseSafetensors');
}

function parse(bytes: Uint8Array, op: string): Map<string, SafetensorsEntry> {
  if (!(bytes instanceof Uint8Array)) throw error(op, `expected the file as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length < 8) throw error(op, `the file is ${bytes.length} bytes, shorter than the 8-byte header length that starts every safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw error(op, `the header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (a corrupt or non-safetensors file)`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw error(op, `the header length ${n} runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`);

  let text: string;
  try {
    // fatal: reject invalid UTF-8 rather than replace it; ignoreBOM: keep a BOM, which JSON.parse then rejects.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw error(op, 'the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw error(op, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw error(op, `the header must be a JSON object, got ${describe(header)}`);
  const duplicate = duplicateKey(text);
  if (duplicate) {
    throw error(op, `the header repeats the key ${describe(duplicate.key)}${duplicate.path ? ` inside ${describe(duplicate.path)}` : ''} (the format forbids duplicates)`);
  }

  const bufferStart = 8 + n;
  const bufferBytes = bytes.length - bufferStart;
  const found: Array<{ name: string; dtype: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (info === null) continue;
      if (typeof info !== 'object' || Array.isArray(info)) throw error(op, `"__metadata__" must be an object of strings, got ${describe(info)}`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw error(op, `"__metadata__" value ${describe(k)} must be a string, got ${describe(v)}`);
      }
      continue;
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info)) throw error(op, `${describe(name)} must be an object {dtype, shape, data_offsets}, got ${describe(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') throw error(op, `${describe(name)} has dtype ${describe(dtype)}, expected a string such as "F32"`);
    const codec = codecOf(dtype);
    if (!codec) throw error(op, `${describe(name)} has dtype ${describe(dtype)}, which is not supported (expected one of ${Object.keys(codecs).join(', ')})`);
    if (!isShape(shape)) throw error(op, `${describe(name)} has shape ${describe(shape)}, expected a list of non-negative integers`);
    if (!isShape(offsets) || offsets.length !== 2) throw error(op, `${describe(name)} has data_offsets ${describe(offsets)}, expected [begin, end] with non-negative integers`);
    const [begin, end] = offsets;
    if (begin > end) throw error(op, `${describe(name)} has data_offsets [${begin}, ${end}], whose begin is past its end`);
    if (end > bufferBytes) throw error(op, `${describe(name)} has data_offsets [${begin}, ${end}], past the end of the ${bufferBytes}-byte data buffer (a truncated file?)`);
    // end <= bufferBytes, so a product too large to be exact in a double cannot compare equal to end - begin.
    const needed = shape.reduce((a, b) => a * b, 1) * codec.size;
    if (needed !== end - begin) {
      throw error(op, `${describe(name)} is ${dtype} ${formatShape(shape)}, which takes ${needed} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    found.push({ name, dtype, shape, begin, end });
  }

  // The tensors must tile the data buffer. Checked in offset order: the header may list them in any order.
  const byOffset = [...found].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous = '';
  for (const t of byOffset) {
    if (t.begin < covered) throw error(op, `${describe(t.name)} (bytes ${t.begin}..${t.end}) overlaps ${describe(previous)} (bytes up to ${covered})`);
    if (t.begin > covered) throw error(op, `bytes ${covered}..${t.begin} of the data buffer belong to no tensor (a hole before ${describe(t.name)})`);
    covered = t.end;
    previous = t.name;
  }
  if (covered !== bufferBytes) throw error(op, `the tensors cover ${covered} bytes but the data buffer holds ${bufferBytes} (${bufferBytes - covered} trailing bytes)`);

  const out = new Map<string, SafetensorsEntry>();
  for (const { name, dtype, shape, begin, end } of found) {
    const { size, read } = codecOf(dtype)!;
    const data = new Float32Array((end - begin) / size);
    for (let i = 0, at = bufferStart + begin; i < data.length; i++, at += size) data[i] = read(view, at);
    out.set(name, { dtype, shape: [...shape], data });
  }
  return out;
}

const isStepCounter = (key: string): boolean => key.split('.').pop() === 'num_batches_tracked';

/**
 * The model's stateDict as a safetensors file, as `safetensors.torch.save_file(model.state_dict(), path,
 * metadata)` writes it: float32 tensors as F32, and BatchNorm's `num_batches_tracked` as an I64 scalar like
 * PyTorch's int64 buffer.
 *
 * Async, unlike PyTorch's `save_file`: the values live on the GPU and reading
 * them back (`Tensor.data()`) is asynchronous in WebGPU, so a synchronous save cannot exist. `await` it.
 */
export async function saveSafetensors(model: Module, metadata?: Record<string, string>): Promise<Uint8Array> {
  const state = Object.entries(model.stateDict());
  const values = await Promise.all(state.map(([, t]) => (t.size ? t.data() : Promise.resolve(new Float32Array(0)))));
  const entries = new Map<string, SafetensorsEntry>();
  state.forEach(([key, t], i) => entries.set(key, { dtype: isStepCounter(key) ? 'I64' : 'F32', shape: [...t.shape], data: values[i] }));
  return serialize(entries, metadata, 'saveSafetensors');
}

/**
 * Loads a safetensors file (PyTorch's `save_file` of a state_dict, or `saveSafetensors`) into the model in place.
 * Strict like PyTorch's `load_state_dict(strict=True)`: the file holds exactly the model's keys, each with the
 * model's shape. The whole file is checked and converted before anything is written, so a bad file leaves the
 * model as it was.
 */
export function loadSafetensors(model: Module, bytes: Uint8Array): void {
  const op = 'loadSafetensors';
  const file = parse(bytes, op);
  const own = model.stateDict();
  const missing = Object.keys(own).filter((k) => !file.has(k));
  const unexpected = [...file.keys()].filter((k) => !Object.hasOwn(own, k));
  if (missing.length || unexpected.length) {
    const problems = [];
    if (missing.length) problems.push(`the file lacks the model's keys ${listKeys(missing)}`);
    if (unexpected.length) problems.push(`the file has keys the model lacks ${listKeys(unexpected)}`);
    throw error(op, problems.join('; '));
  }
  // No prototype: a key such as "constructor" must not find an inherited value in loadStateDict's `k in dict`.
  const dict: Record<string, Float32Array> = Object.create(null);
  for (const [key, t] of Object.entries(own)) {
    const entry = file.get(key)!;
    if (formatShape(entry.shape) !== formatShape(t.shape)) {
      throw error(op, `"${key}" has shape ${formatShape(entry.shape)} (${entry.dtype}) in the file, the model expects ${formatShape(t.shape)}`);
    }
    dict[key] = entry.data;
  }
  model.loadStateDict(dict);
}
