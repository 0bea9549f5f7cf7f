import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';

beforeAll(setup);

// Two 2x1 RGBA images (alpha is ignored), worked by hand.
const a = { width: 2, height: 1, data: Uint8Array.of(255, 0, 51, 7, 102, 204, 0, 255) };
const b = { width: 2, height: 1, data: Uint8ClampedArray.of(0, 255, 255, 0, 51, 51, 51, 9) };

it('turns RGBA images into a normalised NCHW tensor, per channel like torchvision Normalize', async () => {
  const t = wc.data.imagesToTensor([a, b], { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
  expect(t.shape).toEqual([2, 3, 1, 2]);
  // image a: R = [1, 0.4], G = [0, 0.8], B = [0.2, 0]; image b: R = [0, 0.2], G = [1, 0.2], B = [1, 0.2]
  const expected = [
    (1 - 0.5) / 0.5, (0.4 - 0.5) / 0.5, (0 - 0.25) / 0.25, (0.8 - 0.25) / 0.25, 0.2 / 2, 0,
    (0 - 0.5) / 0.5, (0.2 - 0.5) / 0.5, (1 - 0.25) / 0.25, (0.2 - 0.25) / 0.25, 1 / 2, 0.2 / 2,
  ];
  expectClose(await t.data(), expected, { atol: 1e-6 });
  const gray = wc.data.imagesToTensor([a], { channels: 1 });
  expect(gray.shape).toEqual([1, 1, 1, 2]);
  expectClose(await gray.data(), [(1 + 0 + 0.2) / 3, (0.4 + 0.8 + 0) / 3], { atol: 1e-6 });
  [t, gray].forEach((x) => x.dispose());
});

it('names what is wrong with the images it refuses', () => {
  const tensors = wc.memory().tensors;
  expect(() => wc.data.imagesToTensor([])).toThrow(/imagesToTensor: no images/);
  expect(() => wc.data.imagesToTensor([a, { ...b, width: 1, height: 2 }])).toThrow(/image 1 is 1x2, expected 2x1 like image 0/);
  expect(() => wc.data.imagesToTensor([{ ...a, data: a.data.subarray(0, 6) }])).toThrow(/image 0 has 6 bytes, expected 8 \(RGBA\)/);
  expect(() => wc.data.imagesToTensor([a], { mean: [0.5] })).toThrow(/mean and std need 3 values each, got 1 and 3/);
  expect(wc.memory().tensors).toBe(tensors);
});
