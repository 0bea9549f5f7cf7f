import type { NdArray } from './array';

/** Rows of `len` values normalised with their mean and biased variance, in float64. */
function normalize(x: NdArray, len: number, eps: number): Float64Array {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / len; r++) {
    let mean = 0;
    for (let i = 0; i < len; i++) mean += x.data[r * len + i];
    mean /= len;
    let v = 0;
    for (let i = 0; i < len; i++) v += (x.data[r * len + i] - mean) ** 2;
    v /= len;
    for (let i = 0; i < len; i++) out[r * len + i] = (x.data[r * len + i] - mean) / Math.sqrt(v + eps);
  }
  return out;
}

/** torch layer_norm over the last dims of size `d` (weight, bias of those dims, flattened). */
export function layerNormRef(x: NdArray, d: number, weight: NdArray | null, bias: NdArray | null, eps = 1e-5): NdArray {
  const y = normalize(x, d, eps);
  for (let i = 0; i < y.length; i++) y[i] = y[i] * (weight ? weight.data[i % d] : 1) + (bias ? bias.data[i % d] : 0);
  return { data: y, shape: [...x.shape] };
}

/** torch group_norm of x: [N, C, ...], weight and bias [C]. */
export function groupNormRef(x: NdArray, groups: number, weight: NdArray | null, bias: NdArray | null, eps = 1e-5): NdArray {
  const [n, c] = x.shape;
  const spatial = x.data.length / (n * c);
  const y = normalize(x, (c / groups) * spatial, eps);
  for (let i = 0; i < y.length; i++) {
    const ch = Math.floor(i / spatial) % c;
    y[i] = y[i] * (weight ? weight.data[ch] : 1) + (bias ? bias.data[ch] : 0);
  }
  return { data: y, shape: [...x.shape] };
}
