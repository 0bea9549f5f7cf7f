/**
 * safetensors, held against the format itself: byte layouts written out by hand from the spec (and from the
 * reference implementation's own tests), a file laid out exactly as `safetensors.torch.save_file` writes a
 * PyTorch state_dict, round trips through the GPU, and every kind of malformed file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import * as nn from '../../src/nn/index';
import { saveSafetensors, loadSafetensors, parseSafetensors, serializeSafetensors } from '../../src/io/index';
import { expectClose, setup } from '../helpers';
import { randomArray, type NdArray } from '../reference/array';
import { conv2dRef } from '../reference/conv';
import { batchNormRef } from '../reference/batchnorm';
import { linearRef } from '../reference/linear';

beforeAll(setup);

const ascii = (s: string) => [...new TextEncoder().encode(s)];
const spaces = (n: number) => new Array<number>(n).fill(0x20);
function u64(n: number): number[] {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(n), true);
  return [...new Uint8Array(v.buffer)];
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A file from header text and data bytes, written with explicit little-endian fields (no code under test). */
function fileOf(header: string, data: ArrayLike<number>, headerLength?: number | bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32le(values: ArrayLike<number>): number[] {
  const v = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) v.setFloat32(i * 4, values[i], true);
  return [...new Uint8Array(v.buffer)];
}

function i64le(value: number): number[] {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigInt64(0, BigInt(value), true);
  return [...new Uint8Array(v.buffer)];
}

describe('byte layout, written out by hand', () => {
  it('puts the I64 scalar first (descending dtype alignment), then F32, and pads the header to 8 bytes', () => {
    const bytes = serializeSafetensors({
      a: { dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) },
      b: { dtype: 'I64', shape: [], data: Float32Array.of(7) },
    });
    const header = '{"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    expect(header.length).toBe(107);
    expect([...bytes]).toEqual([
      112, 0, 0, 0, 0, 0, 0, 0, // header length: 107 bytes of JSON + 5 spaces
      ...ascii(header), 0x20, 0x20, 0x20, 0x20, 0x20,
      7, 0, 0, 0, 0, 0, 0, 0, // b = 7 as int64 LE
      0x00, 0x00, 0xc0, 0x3f, // a[0] = 1.5 = 0x3fc00000
      0x00, 0x00, 0x00, 0xc0, // a[1] = -2 = 0xc0000000
    ]);
    const parsed = parseSafetensors(bytes);
    expect([...parsed.keys()].sort()).toEqual(['a', 'b']);
    expect(parsed.get('a')).toEqual({ dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) });
    expect(parsed.get('b')).toEqual({ dtype: 'I64', shape: [], data: Float32Array.of(7) });
  });

  it('writes __metadata__ first, as compact JSON', () => {
    const bytes = serializeSafetensors(
      { a: { dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) }, b: { dtype: 'I64', shape: [], data: Float32Array.of(7) } },
      { format: 'pt' },
    );
    const header = '{"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    expect(header.length).toBe(138);
    expect([...bytes]).toEqual([...u64(144), ...ascii(header), ...spaces(6), ...i64le(7), ...f32le([1.5, -2])]);
  });

  // The three byte strings asserted by safetensors' own Rust tests (test_serialization, test_empty).
  it('matches the reference implementation\'s serialization tests', () => {
    const attn = serializeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) } });
    expect([...attn]).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'),
      0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    expect([...serializeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect([...serializeSafetensors({}, { framework: 'pt' })]).toEqual([40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}'), ...spaces(5)]);
  });

  it('reads F64, F16, BF16, I32 and I64 as float32, in any header order, with extra padding, from a byte offset', () => {
    const data = [
      ...i64le(-5), // n: I64 [] at 0..8
      0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b, 0x01, 0x00, // h: F16 1, -2, 0.5, 65504, 2^-24 at 8..18
      0x80, 0x3f, 0x49, 0x40, // b: BF16 1, 3.140625 at 18..22
      0xff, 0xff, 0xff, 0xff, 0x2a, 0x00, 0x00, 0x00, // i: I32 -1, 42 at 22..30
      0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, // d: F64 0.1 = 0x3fb999999999999a at 30..38,
      0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0xfe, //    -1e300 = 0xfe37e43c8800759c at 38..46
    ];
    const header = `{"d":{"dtype":"F64","shape":[2],"data_offsets":[30,46]},"h":{"dtype":"F16","shape":[5],"data_offsets":[8,18]},` +
      `"i":{"dtype":"I32","shape":[2,1],"data_offsets":[22,30]},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[18,22]},` +
      `"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"__metadata__":{"note":"hand-made"}}`;
    const file = fileOf(header + ' '.repeat(8 * 4 + (8 - (header.length % 8))), data);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const parsed = parseSafetensors(shifted.subarray(3));
    expect(parsed.get('n')).toEqual({ dtype: 'I64', shape: [], data: Float32Array.of(-5) });
    expect(parsed.get('h')).toEqual({ dtype: 'F16', shape: [5], data: Float32Array.of(1, -2, 0.5, 65504, 2 ** -24) });
    expect(parsed.get('b')).toEqual({ dtype: 'BF16', shape: [1, 2], data: Float32Array.of(1, 3.140625) });
    expect(parsed.get('i')).toEqual({ dtype: 'I32', shape: [2, 1], data: Float32Array.of(-1, 42) });
    expect(parsed.get('d')).toEqual({ dtype: 'F64', shape: [2], data: Float32Array.of(0.1, -Infinity) });
    expect(parsed.size).toBe(5);
  });

  it('refuses to write what it cannot represent', () => {
    const bad = (entry: { dtype: string; shape: number[]; data: Float32Array }, name = 'w') => () => serializeSafetensors({ [name]: entry });
    expect(bad({ dtype: 'F32', shape: [3], data: new Float32Array(2) })).toThrow('webgpu-cnn serializeSafetensors: "w": shape [3] needs 3 values, got 2');
    expect(bad({ dtype: 'F16', shape: [1], data: new Float32Array(1) })).toThrow(/"w": cannot write dtype "F16"/);
    expect(bad({ dtype: 'I64', shape: [], data: Float32Array.of(1.5) })).toThrow(/"w": value 1.5 is not an integer, so it cannot be written as I64/);
    expect(bad({ dtype: 'F32', shape: [1], data: new Float32Array(1) }, '__metadata__')).toThrow(/reserved/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// nn.Sequential(Conv2d(1, 2, 3), BatchNorm2d(2), ReLU(), Flatten(), Linear(8, 3)) saved by
// safetensors.torch.save_file(model.state_dict(), path): int64 first, then float32, each group by name.

interface Stored {
  key: string;
  shape: number[];
  values: NdArray;
}
const f32 = (key: string, shape: number[], seed: number, low = -1, high = 1): Stored => ({ key, shape, values: randomArray(shape, seed, low, high) });
const torchState: Stored[] = [
  f32('0.bias', [2], 11),
  f32('0.weight', [2, 1, 3, 3], 12),
  f32('1.bias', [2], 13),
  f32('1.running_mean', [2], 14, -0.5, 0.5),
  f32('1.running_var', [2], 15, 0.3, 2),
  f32('1.weight', [2], 16, 0.5, 1.5),
  f32('4.bias', [3], 17),
  f32('4.weight', [3, 8], 18),
];
const numBatchesTracked = 12;
const torchHeader =
  '{"1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
  '"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
  '"0.weight":{"dtype":"F32","shape":[2,1,3,3],"data_offsets":[16,88]},' +
  '"1.bias":{"dtype":"F32","shape":[2],"data_offsets":[88,96]},' +
  '"1.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[96,104]},' +
  '"1.running_var":{"dtype":"F32","shape":[2],"data_offsets":[104,112]},' +
  '"1.weight":{"dtype":"F32","shape":[2],"data_offsets":[112,120]},' +
  '"4.bias":{"dtype":"F32","shape":[3],"data_offsets":[120,132]},' +
  '"4.weight":{"dtype":"F32","shape":[3,8],"data_offsets":[132,228]}}';
const torchData = [...i64le(numBatchesTracked), ...torchState.flatMap((s) => f32le(s.values.data))];
const torchFile = fileOf(`${torchHeader}  `, torchData); // 590 bytes of JSON + 2 spaces = 592

const makeModel = (seed: number) =>
  new nn.Sequential(
    new nn.Conv2d(1, 2, 3, { seed }), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2 * 2 * 2, 3, { seed: seed + 1 }),
  );

async function stateValues(model: nn.Module): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = await t.data();
  return out;
}

const models: nn.Module[] = [];
afterAll(() => models.forEach((m) => m.dispose()));

describe('a file written by PyTorch', () => {
  it('has the layout of save_file', () => {
    expect(torchHeader.length).toBe(590);
    expect(torchFile.length).toBe(8 + 592 + 228);
  });

  it('loads into the same nn.Sequential, and the network computes what the float64 reference does', async () => {
    const model = makeModel(100);
    models.push(model);
    loadSafetensors(model, torchFile);
    const state = await stateValues(model);
    expect(Object.keys(state).sort()).toEqual([...torchState.map((s) => s.key), '1.num_batches_tracked'].sort());
    for (const s of torchState) expect(state[s.key], s.key).toEqual(Float32Array.from(s.values.data));
    expect(state['1.num_batches_tracked']).toEqual(Float32Array.of(numBatchesTracked));

    const x = randomArray([2, 1, 4, 4], 19);
    const y = model.eval().forward(wc.tensor(Float32Array.from(x.data), x.shape));
    const v = Object.fromEntries(torchState.map((s) => [s.key, s.values]));
    let h = conv2dRef(x, v['0.weight'], v['0.bias'], [1, 1], [0, 0]);
    h = batchNormRef(h, v['1.weight'], v['1.bias'], v['1.running_mean'], v['1.running_var'], { training: false }).y;
    h = { data: h.data.map((e) => Math.max(0, e)), shape: [2, 8] };
    const expected = linearRef(h, v['4.weight'], v['4.bias']);
    expect(y.shape).toEqual(expected.shape);
    expectClose(await y.data(), expected.data, { rtol: 1e-4, atol: 1e-5 }, 'forward');
    y.dispose();

    // and saving it again writes PyTorch's bytes exactly
    expect(await saveSafetensors(model)).toEqual(torchFile);
  });
});

describe('round trip', () => {
  it('save -> load into a differently initialised model gives the same state and outputs', async () => {
    const a = makeModel(1);
    const b = makeModel(7);
    models.push(a, b);
    // Non-default BatchNorm state: one training step moves the running statistics and the counter.
    const warm = randomArray([3, 1, 4, 4], 2);
    a.train().forward(wc.tensor(Float32Array.from(warm.data), warm.shape)).dispose();
    const bytes = await saveSafetensors(a, { format: 'pt', note: 'ünïcode "quoted"' });

    const headerKeys = Object.keys(JSON.parse(text(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))))));
    expect(headerKeys).toEqual(['__metadata__', '1.num_batches_tracked', '0.bias', '0.weight', '1.bias', '1.running_mean', '1.running_var', '1.weight', '4.bias', '4.weight']);
    expect(parseSafetensors(bytes).get('1.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: Float32Array.of(1) });

    const before = await stateValues(b);
    loadSafetensors(b, bytes);
    const sa = await stateValues(a);
    const sb = await stateValues(b);
    expect(sb).toEqual(sa);
    expect(sb['0.weight']).not.toEqual(before['0.weight']);

    const x = randomArray([2, 1, 4, 4], 3);
    const ya = a.eval().forward(wc.tensor(Float32Array.from(x.data), x.shape));
    const yb = b.eval().forward(wc.tensor(Float32Array.from(x.data), x.shape));
    expect(await yb.data()).toEqual(await ya.data());
    ya.dispose();
    yb.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Malformed files: each must be rejected with a message naming what is wrong, and leave the model untouched.

type Header = Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | unknown>;
const torchEntries = (): Header => JSON.parse(torchHeader);
/** The PyTorch file with its header edited (and its data replaced, if given). */
function edited(edit: (h: Header) => void, data: ArrayLike<number> = torchData): Uint8Array {
  const h = torchEntries();
  edit(h);
  return fileOf(JSON.stringify(h), data);
}
const entry = (h: Header, key: string) => h[key] as Record<string, unknown>;

/** The PyTorch state re-laid out after an edit to the list of stored tensors (keys, shapes), offsets packed. */
function relaid(edit: (list: Array<{ key: string; dtype: string; shape: number[]; bytes: number[] }>) => void): Uint8Array {
  const list = [
    { key: '1.num_batches_tracked', dtype: 'I64', shape: [] as number[], bytes: i64le(numBatchesTracked) },
    ...torchState.map((s) => ({ key: s.key, dtype: 'F32', shape: s.shape, bytes: f32le(s.values.data) })),
  ];
  edit(list);
  let offset = 0;
  const h: Header = {};
  for (const e of list) {
    h[e.key] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  return fileOf(JSON.stringify(h), list.flatMap((e) => e.bytes));
}

const reshaped = (key: string, shape: number[], values?: number) =>
  relaid((list) => {
    const e = list.find((x) => x.key === key)!;
    e.shape = shape;
    if (values !== undefined) e.bytes = f32le(new Array(values).fill(0.25));
  });

const cases: Array<[string, () => Uint8Array, RegExp]> = [
  ['a file shorter than 8 bytes', () => torchFile.slice(0, 5), /the file is 5 bytes, shorter than the 8-byte header length/],
  ['an empty file', () => new Uint8Array(0), /the file is 0 bytes/],
  ['a header length past the end of the file', () => fileOf('{}', [], 9), /the header length 9 runs past the end of the file \(10 bytes, so at most 2\)/],
  ['a header length above the 100 MB cap', () => fileOf('{}', [], 100_000_001), /the header length 100000001 exceeds the 100000000-byte limit/],
  ['a header length of 2^64 - 1', () => fileOf('{}', [], 2n ** 64n - 1n), /the header length 18446744073709551615 exceeds/],
  ['a header that is not UTF-8', () => fileOf('', [0x7b, 0xff, 0xfe, 0x7d], 4), /the header is not valid UTF-8/],
  ['a header that is not JSON', () => fileOf('{"0.bias":', []), /the header is not valid JSON/],
  ['a header that is a JSON array', () => fileOf('[1,2]   ', []), /the header must be a JSON object, got \[1,2\]/],
  ['a header that is JSON null', () => fileOf('null    ', []), /the header must be a JSON object, got null/],
  ['an entry that is not an object', () => edited((h) => (h['0.bias'] = 3)), /"0\.bias" must be an object \{dtype, shape, data_offsets\}, got 3/],
  ['an entry without dtype', () => edited((h) => delete entry(h, '0.bias').dtype), /"0\.bias" has dtype nothing, expected a string such as "F32"/],
  ['an entry without shape', () => edited((h) => delete entry(h, '0.bias').shape), /"0\.bias" has shape nothing, expected a list of non-negative integers/],
  ['an entry without data_offsets', () => edited((h) => delete entry(h, '0.bias').data_offsets), /"0\.bias" has data_offsets nothing, expected \[begin, end\]/],
  ['an unsupported dtype', () => edited((h) => (entry(h, '0.bias').dtype = 'U8')), /"0\.bias" has dtype "U8", which is not supported \(expected one of F32, F64, F16, BF16, I32, I64\)/],
  ['an unknown dtype', () => edited((h) => (entry(h, '0.bias').dtype = 'Q4_K')), /"0\.bias" has dtype "Q4_K", which is not supported/],
  ['a negative dimension', () => edited((h) => (entry(h, '0.bias').shape = [-2])), /"0\.bias" has shape \[-2\], expected a list of non-negative integers/],
  ['a fractional dimension', () => edited((h) => (entry(h, '0.bias').shape = [2.5])), /"0\.bias" has shape \[2\.5\]/],
  ['data_offsets with one number', () => edited((h) => (entry(h, '0.bias').data_offsets = [8])), /"0\.bias" has data_offsets \[8\], expected \[begin, end\]/],
  ['data_offsets as a string', () => edited((h) => (entry(h, '0.bias').data_offsets = '8,16')), /"0\.bias" has data_offsets "8,16"/],
  ['data_offsets whose begin is past the end', () => edited((h) => (entry(h, '0.bias').data_offsets = [16, 8])), /"0\.bias" has data_offsets \[16, 8\], whose begin is past its end/],
  ['a truncated file', () => torchFile.slice(0, torchFile.length - 4), /"4\.weight" has data_offsets \[132, 228\], past the end of the 224-byte data buffer/],
  ['data_offsets far past the end', () => edited((h) => (entry(h, '4.weight').data_offsets = [132, 2 ** 52])), /"4\.weight" has data_offsets \[132, 4503599627370496\], past the end/],
  ['a shape that does not match the byte count', () => edited((h) => (entry(h, '0.bias').shape = [3])), /"0\.bias" is F32 \[3\], which takes 12 bytes, but its data_offsets \[8, 16\] span 8/],
  ['a dtype that does not match the byte count', () => edited((h) => (entry(h, '1.num_batches_tracked').dtype = 'F32')), /"1\.num_batches_tracked" is F32 \[\], which takes 4 bytes, but its data_offsets \[0, 8\] span 8/],
  ['a huge shape', () => edited((h) => (entry(h, '0.bias').shape = [2 ** 40, 2 ** 40, 2 ** 40])), /"0\.bias" is F32 \[1099511627776, 1099511627776, 1099511627776\], which takes/],
  ['overlapping tensors', () => edited((h) => (entry(h, '1.bias').data_offsets = [8, 16])), /overlaps "0\.bias"/],
  [
    'a hole between tensors',
    () => edited((h) => (entry(h, '4.weight').data_offsets = [136, 232]), [...torchData.slice(0, 132), 0, 0, 0, 0, ...torchData.slice(132)]),
    /bytes 132\.\.136 of the data buffer belong to no tensor \(a hole before "4\.weight"\)/,
  ],
  ['trailing bytes after the last tensor', () => edited(() => {}, [...torchData, 1, 2, 3, 4, 5, 6, 7, 8]), /the tensors cover 228 bytes but the data buffer holds 236 \(8 trailing bytes\)/],
  ['metadata that is not a string map', () => edited((h) => (h.__metadata__ = { format: 1 })), /"__metadata__" value "format" must be a string, got 1/],
  ['metadata that is a string', () => edited((h) => (h.__metadata__ = 'pt')), /"__metadata__" must be an object of strings, got "pt"/],
  ['a key the model lacks', () => relaid((list) => list.push({ key: '5.weight', dtype: 'F32', shape: [1], bytes: f32le([1]) })), /the file has keys the model lacks \["5\.weight"\]$/],
  ['a key missing from the file', () => relaid((list) => list.splice(list.findIndex((e) => e.key === '1.running_var'), 1)), /the file lacks the model's keys \["1\.running_var"\]$/],
  ['a file from another model', () => relaid((list) => list.forEach((e) => (e.key = `features.${e.key}`))), /the file lacks the model's keys \["0\.weight", .*, \.\.\. 1 more\]; the file has keys the model lacks \["features\.1\.num_batches_tracked", /],
  ['a transposed weight (same size, other shape)', () => reshaped('4.weight', [8, 3]), /"4\.weight" has shape \[8, 3\] \(F32\) in the file, the model expects \[3, 8\]/],
  ['a smaller kernel', () => reshaped('0.weight', [2, 1, 2, 2], 8), /"0\.weight" has shape \[2, 1, 2, 2\] \(F32\) in the file, the model expects \[2, 1, 3, 3\]/],
  ['a counter stored as [1]', () => relaid((list) => (list[0].shape = [1])), /"1\.num_batches_tracked" has shape \[1\] \(I64\) in the file, the model expects \[\]/],
];

describe('malformed files are rejected and change nothing', () => {
  let target: nn.Module;
  let snapshot: Record<string, Float32Array>;
  beforeAll(async () => {
    // The target keeps its own initial state, which differs from every value the files below carry: a loader
    // that wrote the keys before a bad one (all-or-nothing broken) changes it, and the comparison sees that.
    target = makeModel(40);
    models.push(target);
    snapshot = await stateValues(target);
    const fileState = parseSafetensors(torchFile);
    for (const [key, values] of Object.entries(snapshot)) expect(values, key).not.toEqual(fileState.get(key)!.data);
  });

  it.each(cases)('%s', async (_, make, message) => {
    const bytes = make();
    expect(() => loadSafetensors(target, bytes)).toThrow(message);
    expect(() => loadSafetensors(target, bytes)).toThrow(/^webgpu-cnn loadSafetensors: /);
    expect(await stateValues(target)).toEqual(snapshot);
  });

  it('parseSafetensors names itself in its errors, and keeps them short whatever the file holds', () => {
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/^webgpu-cnn parseSafetensors: the file is 3 bytes/);
    const longKey = fileOf(`{"${'k'.repeat(100_000)}":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, [0]);
    expect(() => parseSafetensors(longKey)).toThrow(/^webgpu-cnn parseSafetensors: "k{76}\.\.\. has dtype "U8", which is not supported/);
  });
});
