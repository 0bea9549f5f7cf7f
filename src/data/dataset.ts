/** An in-memory labelled image set, and its seeded mini-batches. */

export interface Dataset {
  /** images one after another, each [C, H, W] row-major, values usually in [0, 1] */
  images: Float32Array;
  /** class indices: one per image, or labelShape's worth per image (a class per pixel: segmentation) */
  labels: Int32Array;
  /** [C, H, W] of one image */
  shape: [number, number, number];
  length: number;
  /** the shape of one image's labels; [] (the default) for one class per image, [H, W] for a mask */
  labelShape?: number[];
  /** float targets instead of (or beside) labels, targetShape's worth per image: masks for BCE, values for MSE */
  targets?: Float32Array;
  targetShape?: number[];
}

/** One mini-batch of a `Dataset`, copied out in the batch's order. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  /** the batch's float targets, when the dataset has them */
  targets?: Float32Array;
  /** samples in this batch (the last one may be short) */
  size: number;
}

const perSample = (shape: readonly number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);

/** A seeded generator (mulberry32): the same seed gives the same shuffles on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The order of one epoch: 0..n-1, Fisher–Yates shuffled with `random` when given. */
export function epochOrder(n: number, random?: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (random) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  return order;
}

/**
 * Checks that `data` is what it claims before training or evaluation reads it: arrays at least `length`
 * samples long, integer class labels >= 0 (a Float32Array of 2.5 would otherwise be truncated to 2), finite
 * pixels (a NaN would train on silently). One pass over the arrays, small next to one epoch.
 */
export function checkDataset(op: string, data: Dataset, name = 'data'): void {
  const fail = (why: string) => new Error(`webgpu-cnn ${op}: ${name} ${why}`);
  if (typeof data !== 'object' || data === null) throw new TypeError(`webgpu-cnn ${op}: ${name} must be a Dataset { images, labels, shape, length }, got ${String(data)}`);
  const { images, labels, shape, length } = data;
  if (!Number.isInteger(length) || length < 0) throw fail(`.length must be a non-negative integer, got ${length}`);
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw fail(`.shape must be [C, H, W] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const per = shape[0] * shape[1] * shape[2];
  if (!(images instanceof Float32Array)) throw fail('.images must be a Float32Array');
  if (!labels || typeof labels.length !== 'number') throw fail('.labels must be an Int32Array');
  if (images.length < length * per) {
    throw fail(`.images holds ${images.length} values, fewer than length ${length} x [${shape.join(', ')}] = ${length * per}`);
  }
  if (labels.length < length) throw fail(`.labels holds ${labels.length} labels, fewer than length ${length}`);
  for (let i = 0; i < length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw fail(`label ${l} at index ${i} is not a class index (an integer >= 0)`);
  }
  for (let i = 0; i < length * per; i++) {
    if (!Number.isFinite(images[i])) {
      throw fail(`image ${Math.floor(i / per)} holds ${images[i]} at element ${i % per}; images must be finite`);
    }
  }
}

/** Mini-batches of `data` in `order`. */
export function* batches(data: Dataset, batchSize: number, order: Int32Array = epochOrder(data.length)): Generator<Batch> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`webgpu-cnn batches: batchSize ${batchSize} must be a positive integer`);
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  const perLabel = perSample(data.labelShape);
  const perTarget = perSample(data.targetShape);
  for (let start = 0; start < order.length; start += batchSize) {
    const size = Math.min(batchSize, order.length - start);
    const images = new Float32Array(size * per);
    const labels = new Int32Array(size * perLabel);
    const targets = data.targets ? new Float32Array(size * perTarget) : undefined;
    for (let i = 0; i < size; i++) {
      const s = order[start + i];
      images.set(data.images.subarray(s * per, (s + 1) * per), i * per);
      labels.set(data.labels.subarray(s * perLabel, (s + 1) * perLabel), i * perLabel);
      targets?.set(data.targets!.subarray(s * perTarget, (s + 1) * perTarget), i * perTarget);
    }
    yield { images, labels, targets, size };
  }
}

/**
 * The samples of `data` whose index passes `keep` (e.g. a class subset for transfer learning), in their order.
 * MNIST's sets are sorted by class, so keep by label, or use `take` for a random subset.
 */
export function subset(data: Dataset, keep: (index: number, label: number) => boolean): Dataset {
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  const picked: number[] = [];
  for (let i = 0; i < data.length; i++) if (keep(i, data.labels[i])) picked.push(i);
  const images = new Float32Array(picked.length * per);
  picked.forEach((s, i) => images.set(data.images.subarray(s * per, (s + 1) * per), i * per));
  return { images, labels: Int32Array.from(picked, (s) => data.labels[s]), shape: data.shape, length: picked.length };
}

/** Options of `take`. */
export interface TakeOptions {
  /** Seed of the shuffle (mulberry32, as in `fit`): the same seed picks the same samples in the same order. Default 0. */
  seed?: number;
}

/**
 * `n` distinct samples of `data` drawn at random (all of them, shuffled, when `n >= data.length`), in the order
 * drawn: the first `n` entries of a seeded Fisher–Yates shuffle of 0..length-1 (`epochOrder(length, seededRandom(seed))`).
 * So `take(train, 640, { seed: 1 })` has every class in it, while a prefix of MNIST's class-sorted sets would not.
 */
export function take(data: Dataset, n: number, options: TakeOptions = {}): Dataset {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`webgpu-cnn take: n ${n} must be a non-negative integer`);
  const order = epochOrder(data.length, seededRandom(options.seed ?? 0)).subarray(0, Math.min(n, data.length));
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  const images = new Float32Array(order.length * per);
  order.forEach((s, i) => images.set(data.images.subarray(s * per, (s + 1) * per), i * per));
  return { images, labels: Int32Array.from(order, (s) => data.labels[s]), shape: data.shape, length: order.length };
}
