import { expect, it } from 'vitest';
import * as wc from '../../src/index';

// A small stand-in for MNIST: 4 "digits" of 28x28, each a filled square of ink in a different place.
function fakeDigits(): wc.data.Dataset {
  const n = 4;
  const images = new Float32Array(n * 784);
  for (let d = 0; d < n; d++) for (let y = 4; y < 24; y++) for (let x = 4 + d; x < 20 + d; x++) images[d * 784 + y * 28 + x] = 0.9;
  return { images, labels: Int32Array.of(3, 7, 0, 9), shape: [1, 28, 28], length: n };
}

it('digitCanvases composes 2-3 digits per canvas with a class per pixel, the same for the same seed', () => {
  const digits = fakeDigits();
  const a = wc.data.digitCanvases(digits, { count: 5, seed: 4 });
  expect(a.shape).toEqual([3, 64, 64]);
  expect(a.labelShape).toEqual([64, 64]);
  expect(a.images.length).toBe(5 * 3 * 4096);
  expect(a.labels.length).toBe(5 * 4096);
  expect(a.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  for (let n = 0; n < 5; n++) {
    const mask = a.labels.subarray(n * 4096, (n + 1) * 4096);
    const present = new Set(mask);
    expect(present.has(0)).toBe(true);
    // the classes are 1 + the digits' labels
    for (const c of present) if (c) expect([4, 8, 1, 10]).toContain(c);
    const ink = mask.filter((c) => c > 0).length;
    expect(ink).toBeGreaterThanOrEqual(320 * 1.2); // at least 2 squares of 320 pixels, overlapping by at most a fifth
  }
  const b = wc.data.digitCanvases(digits, { count: 5, seed: 4 });
  expect(b.labels).toEqual(a.labels);
  expect(b.images).toEqual(a.images);
  expect(wc.data.digitCanvases(digits, { count: 5, seed: 5 }).labels).not.toEqual(a.labels);
});

it('meanIoU averages intersection over union over the classes present', () => {
  const truth = [0, 0, 1, 1, 2, 2];
  const pred = [0, 1, 1, 1, 2, 0];
  // class 0: 1 / 3, class 1: 2 / 3, class 2: 1 / 2; class 3 is absent from both and left out
  const { mean, perClass } = wc.meanIoU(pred, truth, 4);
  expect(perClass.slice(0, 3)).toEqual([1 / 3, 2 / 3, 1 / 2]);
  expect(Number.isNaN(perClass[3])).toBe(true);
  expect(mean).toBeCloseTo((1 / 3 + 2 / 3 + 1 / 2) / 3, 12);
});
