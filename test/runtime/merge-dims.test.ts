import { expect, it } from 'vitest';
import { broadcastStrides, mergeDims, stridesOf } from '../../src/shape';

// mergeDims (src/shape.ts) shortens the strided walks of the elementwise kernels: pure, no GPU.

it('merges neighbours every operand walks as one, and drops size-1 dimensions', () => {
  const out = [16, 10, 64, 64];
  expect(mergeDims(out, [stridesOf(out), broadcastStrides([16, 1, 64, 64], out)])).toEqual({
    shape: [16, 10, 4096], strides: [[40960, 4096, 1], [4096, 0, 1]],
  });
  // a bias [1, 32, 1, 1] over [16, 32, 64, 64]: batch, channel, pixels
  const big = [16, 32, 64, 64];
  expect(mergeDims(big, [stridesOf(big), broadcastStrides([1, 32, 1, 1], big)])).toEqual({
    shape: [16, 32, 4096], strides: [[131072, 4096, 1], [0, 1, 0]],
  });
  expect(mergeDims([2, 1, 3], [[3, 3, 1]])).toEqual({ shape: [6], strides: [[1]] });
  // a transpose's strides merge nothing
  expect(mergeDims([4, 3], [[1, 4]])).toEqual({ shape: [4, 3], strides: [[1, 4]] });
  // alternating broadcast axes stay apart
  const alt = [2, 3, 2, 3, 2];
  expect(mergeDims(alt, [stridesOf(alt), broadcastStrides([2, 1, 2, 1, 2], alt)]).shape).toEqual(alt);
  expect(mergeDims([1, 1], [[0, 0], [1, 1]])).toEqual({ shape: [1], strides: [[0], [0]] });
});
