import { expectTensor, type Tensor } from '../tensor';
import { formatShape } from '../shape';
import { resize2d } from './resize';

export interface UpsampleOptions {
  /** output [h, w] (or one number for both); give this or scaleFactor */
  size?: number | [number, number];
  /** output = floor(input * scaleFactor) */
  scaleFactor?: number | [number, number];
  mode?: 'nearest' | 'bilinear';
  /** bilinear only: map corner pixels' centres onto each other (PyTorch's align_corners, default false) */
  alignCorners?: boolean;
}

/**
 * torch.nn.functional.interpolate for NCHW images, nearest or bilinear, with PyTorch's source coordinates:
 *   nearest:                 src = min(floor(dst * scale), in - 1)
 *   bilinear, !alignCorners: src = max((dst + 1/2) * scale - 1/2, 0), blending floor(src) and the next pixel
 *   bilinear, alignCorners:  src = dst * (in - 1) / (out - 1)
 * where scale = 1 / scaleFactor when one is given, else in / out. Each output pixel is a fixed linear
 * combination of inputs, so y = Ah x Aw^T per image (ops/resize.ts) and dx = Ah^T dy Aw.
 */
export function upsample(x: Tensor, options: UpsampleOptions): Tensor {
  expectTensor('upsample', 'x', x);
  const fail = (why: string) => new Error(`webgpu-cnn upsample: ${why} (x: ${formatShape(x.shape)})`);
  if (x.shape.length !== 4) throw fail('x must be [N, C, H, W]');
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw fail(`mode must be 'nearest' or 'bilinear', got ${JSON.stringify(mode)}`);
  if (options.alignCorners && mode !== 'bilinear') throw fail('alignCorners applies to bilinear mode only');
  if ((options.size === undefined) === (options.scaleFactor === undefined)) throw fail('give exactly one of size and scaleFactor');
  const [, , h, w] = x.shape;
  const pairOf = (v: number | [number, number]) => (typeof v === 'number' ? [v, v] : v);
  let out: number[];
  let scale: number[];
  if (options.size !== undefined) {
    out = pairOf(options.size);
    if (!out.every((d) => Number.isInteger(d) && d >= 1)) throw fail(`size ${JSON.stringify(options.size)} must be positive integers`);
    scale = [h / out[0], w / out[1]];
  } else {
    const f = pairOf(options.scaleFactor!);
    if (!f.every((v) => v > 0 && Number.isFinite(v))) throw fail(`scaleFactor ${JSON.stringify(options.scaleFactor)} must be positive`);
    out = [Math.floor(h * f[0]), Math.floor(w * f[1])];
    if (out[0] < 1 || out[1] < 1) throw fail(`scaleFactor ${JSON.stringify(options.scaleFactor)} leaves no pixels`);
    scale = [1 / f[0], 1 / f[1]];
  }
  const matrix = (input: number, output: number, s: number) =>
    mode === 'nearest' ? nearestMatrix(input, output, s) : bilinearMatrix(input, output, s, !!options.alignCorners);
  return resize2d(x, matrix(h, out[0], scale[0]), out[0], matrix(w, out[1], scale[1]), out[1]);
}

/** A [output, input] matrix with one 1 per row: the nearest source pixel. */
function nearestMatrix(input: number, output: number, scale: number): Float32Array {
  const a = new Float32Array(output * input);
  for (let d = 0; d < output; d++) a[d * input + Math.min(Math.floor(d * scale), input - 1)] = 1;
  return a;
}

/** A [output, input] matrix with two weights per row (1 - l, l) on the neighbouring source pixels. */
function bilinearMatrix(input: number, output: number, scale: number, alignCorners: boolean): Float32Array {
  const a = new Float32Array(output * input);
  for (let d = 0; d < output; d++) {
    const src = alignCorners ? (output > 1 ? (d * (input - 1)) / (output - 1) : 0) : Math.max((d + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), input - 1);
    const i1 = Math.min(i0 + 1, input - 1);
    const l = src - i0;
    a[d * input + i0] += 1 - l;
    a[d * input + i1] += l;
  }
  return a;
}
