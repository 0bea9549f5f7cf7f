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

/** The samples of `data` whose index passes `keep` (e.g. a class subset for transfer learning). */
export function subset(data: Dataset, keep: (index: number, label: number) => boolean): Dataset {
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  const picked: number[] = [];
  for (let i = 0; i < data.length; i++) if (keep(i, data.labels[i])) picked.push(i);
  const images = new Float32Array(picked.length * per);
  picked.forEach((s, i) => images.set(data.images.subarray(s * per, (s + 1) * per), i * per));
  return { images, labels: Int32Array.from(picked, (s) => data.labels[s]), shape: data.shape, length: picked.length };
}
