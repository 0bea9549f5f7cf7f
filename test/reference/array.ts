/**
 * Float64 arrays with a shape, and the seeded generator the tests draw inputs from. The reference
 * implementations in this folder are naive nested loops, written independently of the WGSL kernels.
 */
export interface NdArray {
  data: Float64Array;
  shape: number[];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** mulberry32: a small, well-known 32-bit generator, so test inputs are the same on every run. */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [low, high), rounded to float32 so GPU and reference start from identical inputs. */
export function randomArray(shape: readonly number[], seed: number, low = -1, high = 1): NdArray {
  const next = generator(seed);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(low + (high - low) * next());
  return { data, shape: [...shape] };
}
