import { sizeOf, type NdArray } from './array';

/** Softmax (or its log) along `axis`, in float64, shifting by the row maximum. */
export function softmaxRef(x: NdArray, axis: number, log = false): NdArray {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const len = x.shape[a];
  const inner = sizeOf(x.shape.slice(a + 1));
  const outer = x.data.length / (len * inner);
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const idx = (k: number) => (o * len + k) * inner + i;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, x.data[idx(k)]);
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(x.data[idx(k)] - m);
      for (let k = 0; k < len; k++) {
        const ly = x.data[idx(k)] - m - Math.log(s);
        out[idx(k)] = log ? ly : Math.exp(ly);
      }
    }
  return { data: out, shape: [...x.shape] };
}

/** mean_n (logsumexp(x[n]) - x[n, label[n]]) */
export function crossEntropyRef(logits: NdArray, labels: ArrayLike<number>): NdArray {
  const [N, K] = logits.shape;
  const logp = softmaxRef(logits, 1, true);
  let total = 0;
  for (let n = 0; n < N; n++) total -= logp.data[n * K + labels[n]];
  return { data: Float64Array.of(total / N), shape: [] };
}
