/**
 * Seeded fuzzing of the safetensors reader with a real file (a small model's saveSafetensors): thousands of
 * mutations, each of which must either load or throw the library's own error ("webgpu-cnn ..."), never an
 * internal TypeError or RangeError, never read out of bounds, never hang. Plus the header shapes issue 14
 * found: nesting thousands deep, duplicate keys, dtypes named like Object's properties.
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { loadSafetensors, parseSafetensors, saveSafetensors } from '../../src/io/index';
import { seededRandom } from '../../src/data/dataset';
import { setup } from '../helpers';

beforeAll(setup);

const { nn } = wc;
const model = () => new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.Flatten(), new nn.Linear(8, 3));
const encoder = new TextEncoder();

/** A file with this header text over `data` bytes. */
function fileOf(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = encoder.encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { text: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)), data: bytes.subarray(8 + n) };
}

/** Throws unless `fn` returns or throws one of the library's own errors; reports which. */
function outcome(fn: () => void): 'loaded' | 'rejected' {
  try {
    fn();
    return 'loaded';
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || !/^webgpu-cnn (parseSafetensors|loadSafetensors|loadStateDict): /.test(e.message)) {
      throw new Error(`not the library's own error: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    return 'rejected';
  }
}

const DTYPES = ['F32', 'F64', 'F16', 'BF16', 'I32', 'I64', 'U8', 'constructor', 'toString', '__proto__', 'hasOwnProperty', ''];

function mutate(file: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const { text, data } = headerOf(file);
  switch (pick(8)) {
    case 0: { // flip bits anywhere
      const out = file.slice();
      for (let k = 1 + pick(4); k > 0; k--) out[pick(out.length)] ^= 1 << pick(8);
      return out;
    }
    case 1: { // flip bits in the header (length field included)
      const out = file.slice();
      for (let k = 1 + pick(3); k > 0; k--) out[pick(8 + text.length)] ^= 1 << pick(8);
      return out;
    }
    case 2: // truncate
      return file.slice(0, pick(file.length));
    case 3: { // append bytes
      const out = new Uint8Array(file.length + 1 + pick(16));
      out.set(file);
      return out;
    }
    case 4: { // change a number in the header
      const digits = [...text.matchAll(/\d+/g)];
      const m = digits[pick(digits.length)];
      const replacement = String([0, 1, 3, 4, 8, 2 ** 31, 2 ** 53, 1e21, -1][pick(9)]);
      return fileOf(text.slice(0, m.index) + replacement + text.slice(m.index! + m[0].length), data);
    }
    case 5: { // change a dtype
      const dtypes = [...text.matchAll(/"dtype":"(\w*)"/g)];
      const m = dtypes[pick(dtypes.length)];
      return fileOf(text.slice(0, m.index) + `"dtype":"${DTYPES[pick(DTYPES.length)]}"` + text.slice(m.index! + m[0].length), data);
    }
    case 6: { // repeat an entry (a duplicate key)
      const entries = [...text.matchAll(/"[\w.]+":\{[^{}]*\}/g)];
      const m = entries[pick(entries.length)];
      return fileOf(`${text.slice(0, -1)},${m[0]}}`, data);
    }
    default: { // a structural change: delete a character, or wrap a value in arrays or objects
      const at = 1 + pick(text.length - 2);
      if (random() < 0.5) return fileOf(text.slice(0, at) + text.slice(at + 1), data);
      const depth = 1 + pick(50);
      return fileOf(`{"x":${'['.repeat(depth)}${']'.repeat(depth)},${text.slice(1)}`, data);
    }
  }
}

it('a seeded run of 3,000 mutations of a real file: each loads or throws the library\'s own error', async () => {
  const source = model();
  const file = await saveSafetensors(source);
  const target = model();
  expect(outcome(() => loadSafetensors(target, file))).toBe('loaded');
  const random = seededRandom(14);
  const counts = { loaded: 0, rejected: 0 };
  let slowest = 0;
  for (let i = 0; i < 3000; i++) {
    const mutated = mutate(file, random);
    const start = performance.now();
    try {
      counts[outcome(() => loadSafetensors(target, mutated))]++;
    } catch (e) {
      throw new Error(`mutation ${i}: ${(e as Error).message}`);
    }
    slowest = Math.max(slowest, performance.now() - start);
  }
  expect(counts.rejected).toBeGreaterThan(2000);
  expect(counts.loaded).toBeGreaterThan(0); // e.g. trailing spaces, F32 data bit flips
  expect(slowest).toBeLessThan(1000); // no hang
  await wc.sync(); // the loads that succeeded reached the GPU without error
  source.dispose();
  target.dispose();
});

it('a header nested 5,000 levels deep is rejected with a short message', () => {
  const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  expect(() => parseSafetensors(fileOf(deep))).toThrow(/parseSafetensors: "a" must be an object \{dtype, shape, data_offsets\}, got \[\[\[/);
  const deepObject = `{"__metadata__":${'{"k":'.repeat(5000)}"v"${'}'.repeat(5000)}}`;
  expect(outcome(() => parseSafetensors(fileOf(deepObject)))).toBe('rejected');
});

it('duplicate keys are rejected, at the top level and inside an entry', () => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  expect(() => parseSafetensors(fileOf(`{"w":${entry},"w":${entry}}`, new Uint8Array(4)))).toThrow(/repeats the key "w" \(the format forbids duplicates\)/);
  expect(() => parseSafetensors(fileOf('{"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4))))
    .toThrow(/repeats the key "dtype" inside "w"/);
  // The same name in different objects is fine.
  expect(parseSafetensors(fileOf(`{"__metadata__":{"w":"x"},"w":${entry}}`, new Uint8Array(4))).get('w')!.shape).toEqual([1]);
});

it('dtypes named like Object\'s properties are unsupported dtypes', () => {
  for (const dtype of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const bytes = fileOf(`{"w":{"dtype":"${dtype}","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4));
    expect(() => parseSafetensors(bytes)).toThrow(new RegExp(`"w" has dtype "${dtype}", which is not supported \\(expected one of F32`));
  }
});
