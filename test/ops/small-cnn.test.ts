import { afterEach, beforeAll, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import type { NdArray } from '../reference/array';
import { conv2dRef } from '../reference/conv';
import { batchNormRef } from '../reference/batchnorm';
import { maxPool2dRef, avgPool2dRef } from '../reference/pool';
import { linearRef } from '../reference/linear';
import { unaryRef, unaryRefs } from '../reference/elementwise';
import { crossEntropyRef } from '../reference/softmax';
import { GPU_MATMUL } from '../../src/kernels/matmul-plan';

beforeAll(setup);
afterEach(() => wc.setMatmulConfig(null));

// conv 3x3 (1->3, pad 1) -> ReLU -> batch norm (training) -> max pool 2 -> conv 3x3 (3->4, pad 1) -> ReLU ->
// avg pool 2 -> flatten -> linear (16->5) -> cross-entropy. The whole forward and every parameter's gradient
// are held against the float64 references composed the same way, by central differences. The ReLU sits before
// the batch norm on purpose: a conv bias straight into a training-mode batch norm is subtracted out again, its
// true gradient is exactly 0, and its check would prove nothing.
// It runs with the adapter's matmul configuration and with GPU_MATMUL, the tiled one every real GPU gets.
const shapes = {
  x: [2, 1, 8, 8], w1: [3, 1, 3, 3], b1: [3], gamma: [3], beta: [3], w2: [4, 3, 3, 3], b2: [4], wl: [5, 16], bl: [5],
};
const labels = Int32Array.of(3, 1);

function ours(x: wc.Tensor, w1: wc.Tensor, b1: wc.Tensor, gamma: wc.Tensor, beta: wc.Tensor, w2: wc.Tensor, b2: wc.Tensor, wl: wc.Tensor, bl: wc.Tensor): wc.Tensor {
  let h = wc.conv2d(x, w1, b1, { padding: 1 });
  h = wc.batchNorm2d(wc.relu(h), gamma, beta, wc.zeros([3]), wc.ones([3]), { training: true });
  h = wc.maxPool2d(h, { kernelSize: 2 });
  h = wc.relu(wc.conv2d(h, w2, b2, { padding: 1 }));
  h = wc.avgPool2d(h, { kernelSize: 2 });
  return wc.crossEntropy(wc.linear(wc.flatten(h), wl, bl), labels);
}

function reference(x: NdArray, w1: NdArray, b1: NdArray, gamma: NdArray, beta: NdArray, w2: NdArray, b2: NdArray, wl: NdArray, bl: NdArray): NdArray {
  let h = conv2dRef(x, w1, b1, [1, 1], [1, 1]);
  const stats = { data: new Float64Array(3), shape: [3] };
  const ones = { data: new Float64Array(3).fill(1), shape: [3] };
  h = batchNormRef(unaryRef(unaryRefs.relu, h), gamma, beta, stats, ones, { training: true }).y;
  h = maxPool2dRef(h, 2);
  h = unaryRef(unaryRefs.relu, conv2dRef(h, w2, b2, [1, 1], [1, 1]));
  h = avgPool2dRef(h, 2);
  const flat = { data: h.data, shape: [h.shape[0], h.data.length / h.shape[0]] };
  return crossEntropyRef(linearRef(flat, wl, bl), labels);
}

it.each([['the adapter\'s', null], ['GPU_MATMUL\'s', GPU_MATMUL]] as const)('a small CNN matches the reference network end to end, forward and backward, with %s matmul', async (_, config) => {
  wc.setMatmulConfig(config);
  await checkOp({
    shapes: Object.values(shapes),
    ours: (...t) => ours(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]),
    ref: (...r) => reference(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]),
    rtol: 1e-4,
    atol: 1e-5,
    gradTol: { rtol: 2e-3, atol: 2e-4 },
  });
});
