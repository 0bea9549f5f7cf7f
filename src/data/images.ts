/**
 * Turning pictures into network input: RGBA pixels (a canvas ImageData, an ImageBitmap in the browser, or raw
 * RGBA bytes in Node) into a normalised NCHW float tensor, with per-channel mean and std like torchvision's
 * Normalize. Grayscale output averages R, G and B.
 */
import { tensor, type Tensor } from '../tensor';

/** Options of `imagesToTensor` and `bitmapToTensor`: channels and per-channel normalisation. */
export interface ImageToTensorOptions {
  /** 3 (RGB, default) or 1 (grayscale) */
  channels?: 1 | 3;
  /** subtracted per channel after scaling to [0, 1] (default 0) */
  mean?: readonly number[];
  /** divided per channel (default 1) */
  std?: readonly number[];
}

/** Pixels as a canvas gives them (`ImageData`): RGBA bytes, row-major. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** RGBA images of the same size -> [N, C, H, W]. */
export function imagesToTensor(images: readonly RgbaImage[], options: ImageToTensorOptions = {}): Tensor {
  const channels = options.channels ?? 3;
  if (images.length === 0) throw new Error('webgpu-cnn imagesToTensor: no images');
  const { width, height } = images[0];
  const mean = options.mean ?? new Array(channels).fill(0);
  const std = options.std ?? new Array(channels).fill(1);
  if (mean.length !== channels || std.length !== channels) {
    throw new Error(`webgpu-cnn imagesToTensor: mean and std need ${channels} values each, got ${mean.length} and ${std.length}`);
  }
  const plane = width * height;
  const out = new Float32Array(images.length * channels * plane);
  images.forEach((img, n) => {
    if (img.width !== width || img.height !== height) {
      throw new Error(`webgpu-cnn imagesToTensor: image ${n} is ${img.width}x${img.height}, expected ${width}x${height} like image 0`);
    }
    if (img.data.length !== plane * 4) {
      throw new Error(`webgpu-cnn imagesToTensor: image ${n} has ${img.data.length} bytes, expected ${plane * 4} (RGBA)`);
    }
    for (let p = 0; p < plane; p++) {
      const [r, g, b] = [img.data[4 * p] / 255, img.data[4 * p + 1] / 255, img.data[4 * p + 2] / 255];
      const values = channels === 3 ? [r, g, b] : [(r + g + b) / 3];
      for (let c = 0; c < channels; c++) out[(n * channels + c) * plane + p] = (values[c] - mean[c]) / std[c];
    }
  });
  return tensor(out, [images.length, channels, height, width]);
}

/** An ImageBitmap (browser) -> [1, C, H, W], through an OffscreenCanvas. */
export function bitmapToTensor(bitmap: ImageBitmap, options: ImageToTensorOptions = {}): Tensor {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('webgpu-cnn bitmapToTensor: no 2d context for an OffscreenCanvas');
  ctx.drawImage(bitmap, 0, 0);
  return imagesToTensor([ctx.getImageData(0, 0, bitmap.width, bitmap.height)], options);
}
