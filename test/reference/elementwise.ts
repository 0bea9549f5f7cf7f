import { sizeOf, stridesOf, type NdArray } from './array';

export const unaryRefs = {
  relu: (x: number) => Math.max(x, 0),
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  tanh: (x: number) => Math.tanh(x),
} as const;

export const binaryRefs = {
  add: (x: number, y: number) => x + y,
  sub: (x: number, y: number) => x - y,
  mul: (x: number, y: number) => x * y,
  div: (x: number, y: number) => x / y,
} as const;

export function unaryRef(f: (x: number) => number, x: NdArray): NdArray {
  return { data: x.data.map(f), shape: [...x.shape] };
}

/** NumPy broadcasting, spelled out: each output coordinate maps to each operand's coordinate (or 0). */
export function binaryRef(f: (x: number, y: number) => number, a: NdArray, b: NdArray): NdArray {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array(rank - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const sa = stridesOf(pa);
  const sb = stridesOf(pb);
  const so = stridesOf(shape);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(i / so[d]) % shape[d];
      if (pa[d] !== 1) ia += c * sa[d];
      if (pb[d] !== 1) ib += c * sb[d];
    }
    out[i] = f(a.data[ia], b.data[ib]);
  }
  return { data: out, shape };
}
