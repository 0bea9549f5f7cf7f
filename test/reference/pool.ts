import { generator, type NdArray } from './array';

/** [height, width]: one number means the same along both. */
export type Pair = number | [number, number];

const both = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * Visits every window of a floor-mode 2-D pooling over x: [N, C, H, W] and lets `reduce` turn the values of
 * its positions (null where the position is padding) into one output value.
 */
function pool2d(x: NdArray, kernel: Pair, stride: Pair, padding: Pair, reduce: (values: Array<number | null>) => number): NdArray {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = both(kernel);
  const [sh, sw] = both(stride);
  const [ph, pw] = both(padding);
  const p = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const q = Math.floor((w + 2 * pw - kw) / sw) + 1;
  const out = new Float64Array(n * c * p * q);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < q; j++) {
          const values: Array<number | null> = [];
          for (let di = 0; di < kh; di++) {
            for (let dj = 0; dj < kw; dj++) {
              const row = i * sh - ph + di;
              const col = j * sw - pw + dj;
              const inside = row >= 0 && row < h && col >= 0 && col < w;
              values.push(inside ? x.data[((b * c + ch) * h + row) * w + col] : null);
            }
          }
          out[o++] = reduce(values);
        }
      }
    }
  }
  return { data: out, shape: [n, c, p, q] };
}

/** Max over each window, ignoring padded positions (torch.nn.functional.max_pool2d). */
export function maxPool2dRef(x: NdArray, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): NdArray {
  return pool2d(x, kernel, stride, padding, (values) => Math.max(...values.filter((v) => v !== null)));
}

/** Mean over each window with padded positions counted as zeros (avg_pool2d, count_include_pad=True). */
export function avgPool2dRef(x: NdArray, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): NdArray {
  return pool2d(x, kernel, stride, padding, (values) => values.reduce<number>((s, v) => s + (v ?? 0), 0) / values.length);
}

export interface PoolConfig {
  shape: [number, number, number, number];
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/**
 * `count` valid poolings drawn from a seeded generator, for property tests: small odd shapes, kernels up to 4,
 * strides up to 3, padding up to half the kernel, and an image at least as large as the padded kernel.
 */
export function randomPoolConfigs(seed: number, count: number): PoolConfig[] {
  const next = generator(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return Array.from({ length: count }, () => {
    const kernel: [number, number] = [int(1, 4), int(1, 4)];
    const stride: [number, number] = [int(1, 3), int(1, 3)];
    const padding = kernel.map((k) => int(0, Math.floor(k / 2))) as [number, number];
    const [h, w] = [0, 1].map((d) => int(Math.max(1, kernel[d] - 2 * padding[d]), kernel[d] + 5));
    return { shape: [int(1, 2), int(1, 3), h, w], kernel, stride, padding };
  });
}

/**
 * Max or average pooling with PyTorch's ceilMode and countIncludePad (aten/src/ATen/native/Pool.h's
 * pooling_output_shape; avg_pool2d's divide factor), one window at a time.
 */
export function poolModesRef(
  x: NdArray, mode: 'max' | 'avg', kernel: [number, number], stride: [number, number], padding: [number, number],
  ceilMode: boolean, countIncludePad = true,
): NdArray {
  const [n, c, h, w] = x.shape;
  const size = (input: number, d: number) => {
    const span = input + 2 * padding[d] - kernel[d];
    let out = (ceilMode ? Math.ceil(span / stride[d]) : Math.floor(span / stride[d])) + 1;
    if (ceilMode && (out - 1) * stride[d] >= input + padding[d]) out--;
    return out;
  };
  const [p, q] = [size(h, 0), size(w, 1)];
  const out = new Float64Array(n * c * p * q);
  for (let plane = 0; plane < n * c; plane++)
    for (let i = 0; i < p; i++)
      for (let j = 0; j < q; j++) {
        const top = i * stride[0] - padding[0];
        const left = j * stride[1] - padding[1];
        const bottom = Math.min(top + kernel[0], h + padding[0]);
        const right = Math.min(left + kernel[1], w + padding[1]);
        const padded = (bottom - top) * (right - left);
        const [r0, r1, c0, c1] = [Math.max(top, 0), Math.min(bottom, h), Math.max(left, 0), Math.min(right, w)];
        let best = -Infinity;
        let s = 0;
        for (let r = r0; r < r1; r++)
          for (let col = c0; col < c1; col++) {
            const v = x.data[(plane * h + r) * w + col];
            best = Math.max(best, v);
            s += v;
          }
        out[(plane * p + i) * q + j] = mode === 'max' ? best : s / (countIncludePad ? padded : (r1 - r0) * (c1 - c0));
      }
  return { data: out, shape: [n, c, p, q] };
}
