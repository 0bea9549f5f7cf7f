import type { NdArray } from './array';

type Reduction = 'mean' | 'sum' | 'none';
const reduce = (losses: Float64Array, shape: number[], reduction: Reduction, count = losses.length): NdArray =>
  reduction === 'none' ? { data: losses, shape } : { data: Float64Array.of(losses.reduce((s, v) => s + v, 0) / (reduction === 'mean' ? count : 1)), shape: [] };

/**
 * torch.nn.functional.cross_entropy in float64 over [N, K, d...] logits and [N, d...] labels, with
 * label_smoothing, ignore_index and reduction: log-softmax by its definition, then -sum_k target_k logp_k.
 */
export function crossEntropyFullRef(x: NdArray, labels: ArrayLike<number>, smoothing = 0, ignoreIndex = -100, reduction: Reduction = 'mean', weight?: number[]): NdArray {
  const w = (k: number) => (weight ? weight[k] : 1);
  const [N, K, ...spatial] = x.shape;
  const S = spatial.reduce((a, b) => a * b, 1);
  const losses = new Float64Array(N * S);
  let count = 0;
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) {
      const label = labels[n * S + s];
      if (label === ignoreIndex) continue;
      count += w(label);
      const v = Array.from({ length: K }, (_, k) => x.data[(n * K + k) * S + s]);
      const m = Math.max(...v);
      const lse = m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
      let loss = 0;
      // PyTorch: -(1 - s) w_y logp_y - (s / K) sum_k w_k logp_k
      for (let k = 0; k < K; k++) loss -= ((k === label ? (1 - smoothing) * w(label) : 0) + (smoothing / K) * w(k)) * (v[k] - lse);
      losses[n * S + s] = loss;
    }
  return reduce(losses, [N, ...spatial], reduction, count);
}

export function mseLossRef(a: NdArray, b: NdArray, reduction: Reduction = 'mean'): NdArray {
  return reduce(a.data.map((v, i) => (v - b.data[i]) ** 2), a.shape, reduction);
}

/** -(p t log s(x) + (1 - t) log(1 - s(x))) with s the logistic function, p broadcast along the last axis. */
export function bceWithLogitsRef(x: NdArray, t: NdArray, posWeight: NdArray | null, reduction: Reduction = 'mean'): NdArray {
  const last = x.shape[x.shape.length - 1];
  const losses = x.data.map((v, i) => {
    const s = 1 / (1 + Math.exp(-v));
    const p = posWeight ? posWeight.data[i % last] : 1;
    return -(p * t.data[i] * Math.log(s) + (1 - t.data[i]) * Math.log(1 - s));
  });
  return reduce(losses, x.shape, reduction);
}
