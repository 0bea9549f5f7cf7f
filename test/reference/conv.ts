import type { NdArray } from './array';

/** Direct convolution (cross-correlation) in float64: seven nested loops, zero padding. */
export function conv2dRef(x: NdArray, w: NdArray, b: NdArray | null, stride: [number, number], padding: [number, number]): NdArray {
  const [N, C, H, W] = x.shape;
  const [O, , KH, KW] = w.shape;
  const [SH, SW] = stride;
  const [PH, PW] = padding;
  const P = Math.floor((H + 2 * PH - KH) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - KW) / SW) + 1;
  const out = new Float64Array(N * O * P * Q);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < Q; q++) {
          let s = b ? b.data[o] : 0;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const h = p * SH - PH + i;
                const v = q * SW - PW + j;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                s += x.data[((n * C + c) * H + h) * W + v] * w.data[((o * C + c) * KH + i) * KW + j];
              }
          out[((n * O + o) * P + p) * Q + q] = s;
        }
  return { data: out, shape: [N, O, P, Q] };
}
