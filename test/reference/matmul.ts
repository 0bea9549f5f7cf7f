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

export interface GemmRefShape {
  m: number; n: number; k: number;
  transA?: boolean; transB?: boolean;
  batch?: number; strideA?: number; strideB?: number;
  offsetA?: number; offsetB?: number;
  lda?: number; ldb?: number;
  sumBatch?: boolean;
  bias?: { data: Float64Array; per: 'row' | 'column' };
  relu?: boolean;
}

/**
 * The general product the engine's GEMM computes, in float64 over flat buffers: for each matrix z of the batch,
 * C[z] = A[z] x B[z] with A[z][i][p] read at offsetA + z*strideA + (transA ? p*lda + i : i*lda + p) (B alike),
 * summed over z when sumBatch, then bias and ReLU. Returns [batch or 1][m][n] flattened.
 */
export function gemmRef(a: Float64Array, b: Float64Array, s: GemmRefShape): Float64Array {
  const { m, n, k } = s;
  const batch = s.batch ?? 1;
  const lda = s.lda ?? (s.transA ? m : k);
  const ldb = s.ldb ?? (s.transB ? k : n);
  const strideA = s.strideA ?? m * k;
  const strideB = s.strideB ?? k * n;
  const outs = s.sumBatch ? 1 : batch;
  const c = new Float64Array(outs * m * n);
  for (let z = 0; z < batch; z++) {
    const oa = (s.offsetA ?? 0) + z * strideA;
    const ob = (s.offsetB ?? 0) + z * strideB;
    const oc = s.sumBatch ? 0 : z * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = a[oa + (s.transA ? p * lda + i : i * lda + p)];
          const bv = b[ob + (s.transB ? j * ldb + p : p * ldb + j)];
          sum += av * bv;
        }
        c[oc + i * n + j] += sum;
      }
  }
  for (let z = 0; z < outs; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const x = z * m * n + i * n + j;
        if (s.bias) c[x] += s.bias.data[s.bias.per === 'row' ? i : j];
        if (s.relu) c[x] = Math.max(c[x], 0);
      }
  return c;
}
