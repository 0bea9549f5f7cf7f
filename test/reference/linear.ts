import type { NdArray } from './array';

/** y[n][o] = b[o] + sum_i x[n][i] w[o][i] (PyTorch's layout: w is [out, in]). */
export function linearRef(x: NdArray, w: NdArray, b: NdArray | null): NdArray {
  const [N, I] = x.shape;
  const O = w.shape[0];
  const y = new Float64Array(N * O);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < I; i++) s += x.data[n * I + i] * w.data[o * I + i];
      y[n * O + o] = s;
    }
  return { data: y, shape: [N, O] };
}
