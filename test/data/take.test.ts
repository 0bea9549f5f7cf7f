/** data.take: a seeded, shuffled subset in the documented order (no GPU needed). */
import { expect, it } from 'vitest';
import { epochOrder, seededRandom, subset, take, type Dataset } from '../../src/data/index';

/** 100 one-pixel images sorted by class like MNIST's sets: ten 0s, then ten 1s, ... ; pixel value = index. */
const sorted: Dataset = {
  images: Float32Array.from({ length: 100 }, (_, i) => i),
  labels: Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 10)),
  shape: [1, 1, 1],
  length: 100,
};

it('takes the first n of a seeded shuffle, with images and labels kept together', () => {
  const few = take(sorted, 30, { seed: 7 });
  const order = epochOrder(100, seededRandom(7)).slice(0, 30);
  expect(few.length).toBe(30);
  expect(Array.from(few.images)).toEqual(Array.from(order));
  expect(Array.from(few.labels)).toEqual(Array.from(order, (i) => Math.floor(i / 10)));
  expect(new Set(few.labels).size).toBeGreaterThan(5); // a prefix of a class-sorted set would hold 3 classes
  expect(new Set(subset(sorted, (i) => i < 30).labels).size).toBe(3);
});

it('is reproducible by seed, defaults to seed 0, and returns everything shuffled when n >= length', () => {
  expect(take(sorted, 20, { seed: 3 }).images).toEqual(take(sorted, 20, { seed: 3 }).images);
  expect(take(sorted, 20, { seed: 3 }).images).not.toEqual(take(sorted, 20, { seed: 4 }).images);
  expect(take(sorted, 20).images).toEqual(take(sorted, 20, { seed: 0 }).images);
  const all = take(sorted, 1000, { seed: 1 });
  expect(all.length).toBe(100);
  expect([...all.images].sort((a, b) => a - b)).toEqual([...sorted.images]);
  expect(() => take(sorted, -1)).toThrow(/take: n -1/);
});
