import { sizeOf, stridesOf, type NdArray } from './array';

/** Sum over `axes`, dropping them (or keeping them as 1), by visiting every input element. */
export function sumRef(x: NdArray, axes: number[], keepDims = false, scale = 1): NdArray {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(sizeOf(keptShape));
  const xs = stridesOf(x.shape);
  const os = stridesOf(keptShape);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) {
      const c = Math.floor(i / xs[d]) % x.shape[d];
      if (!axes.includes(d)) o += c * os[d];
    }
    out[o] += x.data[i];
  }
  return { data: out.map((v) => v * scale), shape: outShape };
}
