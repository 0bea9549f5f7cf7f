/**
 * A segmentation data set made from real digits: each canvas is an RGB image with a noisy coloured background
 * and 2-3 digits pasted on it in random colours; its mask labels each pixel with 1 + the digit under it, or 0
 * for background. Seeded, so a seed gives the same canvases on every machine.
 */
import { seededRandom, type Dataset } from './dataset';

export interface DigitCanvasOptions {
  /** canvases to make */
  count: number;
  /** side of a canvas in pixels (default 64) */
  size?: number;
  /** digits per canvas, drawn uniformly from this range (default [2, 3]) */
  digits?: [number, number];
  /** a digit pixel belongs to the digit when its ink is above this (default 0.5) */
  threshold?: number;
  seed?: number;
}

/** Classes of the masks: background and the ten digits. */
export const CANVAS_CLASSES = 11;

/**
 * Canvases from `digits` (28x28 grayscale, like wc.data.mnist()'s): images [count, 3, size, size] in [0, 1],
 * labels [count, size, size] (labelShape [size, size]). Digits may touch but overlap little: a placement whose
 * box overlaps an earlier one by more than a fifth is drawn again (up to a few tries).
 */
export function digitCanvases(digits: Dataset, options: DigitCanvasOptions): Dataset {
  const { count, size = 64, threshold = 0.5, seed = 0 } = options;
  const [fewest, most] = options.digits ?? [2, 3];
  const side = digits.shape[1];
  if (digits.shape[0] !== 1 || digits.shape[2] !== side || side > size) {
    throw new Error(`webgpu-cnn digitCanvases: digits must be square grayscale images no larger than the ${size}-pixel canvas`);
  }
  const random = seededRandom(seed);
  const plane = size * size;
  const images = new Float32Array(count * 3 * plane);
  const labels = new Int32Array(count * plane);
  for (let n = 0; n < count; n++) {
    const image = images.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    const mask = labels.subarray(n * plane, (n + 1) * plane);
    const background = randomColour(random);
    // a gentle gradient and per-pixel noise, so colour alone does not give the background away
    const tilt = [random() - 0.5, random() - 0.5].map((v) => v * 0.3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const v = background[c] + tilt[0] * (y / size - 0.5) + tilt[1] * (x / size - 0.5) + (random() - 0.5) * 0.25;
          image[c * plane + y * size + x] = clamp01(v);
        }
    const boxes: Array<[number, number]> = [];
    const k = fewest + Math.floor(random() * (most - fewest + 1));
    for (let d = 0; d < k; d++) {
      const index = Math.floor(random() * digits.length);
      const digit = digits.labels[index];
      const ink = digits.images.subarray(index * side * side, (index + 1) * side * side);
      let top = 0;
      let left = 0;
      for (let tries = 0; tries < 8; tries++) {
        top = Math.floor(random() * (size - side + 1));
        left = Math.floor(random() * (size - side + 1));
        const overlap = Math.max(0, ...boxes.map(([t, l]) => Math.max(0, side - Math.abs(t - top)) * Math.max(0, side - Math.abs(l - left))));
        if (overlap <= (side * side) / 5) break;
      }
      boxes.push([top, left]);
      const colour = contrasting(background, random);
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const a = ink[y * side + x];
          if (a <= 0) continue;
          const p = (top + y) * size + left + x;
          for (let c = 0; c < 3; c++) image[c * plane + p] = image[c * plane + p] * (1 - a) + colour[c] * a;
          if (a > threshold) mask[p] = 1 + digit;
        }
    }
  }
  return { images, labels, shape: [3, size, size], length: count, labelShape: [size, size] };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function randomColour(random: () => number): number[] {
  return [random(), random(), random()];
}

/** A random colour at least 0.6 away (Euclidean, RGB in [0, 1]) from `from`, so the digit stays visible. */
function contrasting(from: number[], random: () => number): number[] {
  let best = randomColour(random);
  for (let tries = 0; tries < 20; tries++) {
    const c = randomColour(random);
    const dist = (v: number[]) => Math.hypot(v[0] - from[0], v[1] - from[1], v[2] - from[2]);
    if (dist(c) > dist(best)) best = c;
    if (dist(best) >= 0.6) break;
  }
  return best;
}
