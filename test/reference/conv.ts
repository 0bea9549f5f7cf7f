import type { NdArray } from './array';

/**
 * Direct convolution (cross-correlation) in float64: seven nested loops, zero padding. With groups, w is
 * [O, C/groups, KH, KW] and output channel o sees input channels g*C/groups .. (g+1)*C/groups - 1, g = o / (O/groups).
 */
export function conv2dRef(
  x: NdArray, w: NdArray, b: NdArray | null, stride: [number, number], padding: [number, number],
  dilation: [number, number] = [1, 1], groups = 1,
): NdArray {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [SH, SW] = stride;
  const [PH, PW] = padding;
  const [DH, DW] = dilation;
  const P = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  const Og = O / groups;
  const out = new Float64Array(N * O * P * Q);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < Q; q++) {
          let s = b ? b.data[o] : 0;
          for (let cl = 0; cl < Cg; cl++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const c = Math.floor(o / Og) * Cg + cl;
                const h = p * SH - PH + i * DH;
                const v = q * SW - PW + j * DW;
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                s += x.data[((n * C + c) * H + h) * W + v] * w.data[((o * Cg + cl) * KH + i) * KW + j];
              }
          out[((n * O + o) * P + p) * Q + q] = s;
        }
  return { data: out, shape: [N, O, P, Q] };
}

/**
 * The gradients of conv2dRef for an output gradient dy, written as the scatter of each output's products back
 * onto its inputs (the transpose of the loops above), in float64: dx [N, C, H, W] and dw [O, C/groups, KH, KW].
 */
export function conv2dGradsRef(
  x: NdArray, w: NdArray, dy: NdArray, stride: [number, number], padding: [number, number],
  dilation: [number, number] = [1, 1], groups = 1,
): { dx: NdArray; dw: NdArray } {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [, , P, Q] = dy.shape;
  const Og = O / groups;
  const dx = new Float64Array(x.data.length);
  const dw = new Float64Array(w.data.length);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < Q; q++) {
          const g = dy.data[((n * O + o) * P + p) * Q + q];
          for (let cl = 0; cl < Cg; cl++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const c = Math.floor(o / Og) * Cg + cl;
                const h = p * stride[0] - padding[0] + i * dilation[0];
                const v = q * stride[1] - padding[1] + j * dilation[1];
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                const xi = ((n * C + c) * H + h) * W + v;
                const wi = ((o * Cg + cl) * KH + i) * KW + j;
                dx[xi] += g * w.data[wi];
                dw[wi] += g * x.data[xi];
              }
        }
  return { dx: { data: dx, shape: [...x.shape] }, dw: { data: dw, shape: [...w.shape] } };
}

/**
 * Transposed convolution in float64, straight from its definition as a scatter: every input element adds
 * x * w into the output window it maps to. w: [Cin, Cout/groups, KH, KW].
 */
export function convTranspose2dRef(
  x: NdArray, w: NdArray, b: NdArray | null, stride: [number, number], padding: [number, number],
  outputPadding: [number, number] = [0, 0], dilation: [number, number] = [1, 1], groups = 1,
): NdArray {
  const [N, C, H, W] = x.shape;
  const [, Og, KH, KW] = w.shape;
  const O = Og * groups;
  const Cg = C / groups;
  const P = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1) + outputPadding[0] + 1;
  const Q = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (KW - 1) + outputPadding[1] + 1;
  const out = new Float64Array(N * O * P * Q);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) out[((n * O + o) * P + p) * Q + q] = b ? b.data[o] : 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let v = 0; v < W; v++) {
          const xv = x.data[((n * C + c) * H + h) * W + v];
          const g = Math.floor(c / Cg);
          for (let ol = 0; ol < Og; ol++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const p = h * stride[0] - padding[0] + i * dilation[0];
                const q = v * stride[1] - padding[1] + j * dilation[1];
                if (p < 0 || p >= P || q < 0 || q >= Q) continue;
                const o = g * Og + ol;
                out[((n * O + o) * P + p) * Q + q] += xv * w.data[((c * Og + ol) * KH + i) * KW + j];
              }
        }
  return { data: out, shape: [N, O, P, Q] };
}
