import type { NdArray } from './array';

/** C[i][j] = sum_p A[i][p] B[p][j], in float64. */
export function matmulRef(a: NdArray, b: NdArray): NdArray {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a.data[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b.data[p * n + j];
    }
  }
  return { data: c, shape: [m, n] };
}
