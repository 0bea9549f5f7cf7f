import type { NdArray } from './array';

/**
 * Upsampling and adaptive pooling in float64, one output pixel at a time, written from PyTorch's
 * definitions (aten/src/ATen/native/UpSample.h: area_pixel_compute_source_index, nearest_idx).
 */
export function upsampleRef(x: NdArray, out: [number, number], mode: 'nearest' | 'bilinear', alignCorners: boolean, scaleFactor?: [number, number]): NdArray {
  const [N, C, H, W] = x.shape;
  const [P, Q] = out;
  const scaleOf = (input: number, output: number, d: number) => (scaleFactor ? 1 / scaleFactor[d] : input / output);
  const source = (dst: number, input: number, output: number, d: number) => {
    if (alignCorners) return output > 1 ? (dst * (input - 1)) / (output - 1) : 0;
    const s = (dst + 0.5) * scaleOf(input, output, d) - 0.5;
    return Math.max(s, 0);
  };
  const data = new Float64Array(N * C * P * Q);
  for (let plane = 0; plane < N * C; plane++)
    for (let p = 0; p < P; p++)
      for (let q = 0; q < Q; q++) {
        const at = (h: number, w: number) => x.data[(plane * H + h) * W + w];
        let v: number;
        if (mode === 'nearest') {
          v = at(Math.min(Math.floor(p * scaleOf(H, P, 0)), H - 1), Math.min(Math.floor(q * scaleOf(W, Q, 1)), W - 1));
        } else {
          const sh = source(p, H, P, 0);
          const sw = source(q, W, Q, 1);
          const h0 = Math.floor(sh);
          const w0 = Math.floor(sw);
          const h1 = Math.min(h0 + 1, H - 1);
          const w1 = Math.min(w0 + 1, W - 1);
          const lh = sh - h0;
          const lw = sw - w0;
          v = (1 - lh) * ((1 - lw) * at(h0, w0) + lw * at(h0, w1)) + lh * ((1 - lw) * at(h1, w0) + lw * at(h1, w1));
        }
        data[(plane * P + p) * Q + q] = v;
      }
  return { data, shape: [N, C, P, Q] };
}

export function adaptiveAvgPool2dRef(x: NdArray, out: [number, number]): NdArray {
  const [N, C, H, W] = x.shape;
  const [P, Q] = out;
  const data = new Float64Array(N * C * P * Q);
  for (let plane = 0; plane < N * C; plane++)
    for (let p = 0; p < P; p++)
      for (let q = 0; q < Q; q++) {
        const h0 = Math.floor((p * H) / P);
        const h1 = Math.ceil(((p + 1) * H) / P);
        const w0 = Math.floor((q * W) / Q);
        const w1 = Math.ceil(((q + 1) * W) / Q);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x.data[(plane * H + h) * W + w];
        data[(plane * P + p) * Q + q] = s / ((h1 - h0) * (w1 - w0));
      }
  return { data, shape: [N, C, P, Q] };
}
