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

/** erf by its Maclaurin series, exact to ~1e-9 in double for |x| <= 5 (enough for the tests' inputs). */
export function erf(x: number): number {
  let term = x;
  let s = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    s += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}

export const activationRefs = {
  gelu: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  geluTanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  leakyRelu: (x: number) => (x > 0 ? x : 0.01 * x),
  leakyRelu02: (x: number) => (x > 0 ? x : 0.2 * x),
  silu: (x: number) => x / (1 + Math.exp(-x)),
  hardswish: (x: number) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
  softplus: (x: number) => Math.log1p(Math.exp(x)),
} as const;
