import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { batchNorm2d } from '../../src/ops/batchnorm2d';
import { checkOp, expectClose, setup } from '../helpers';
import { batchNormRef, type BatchNormRefOptions } from '../reference/batchnorm';
import { randomArray, type NdArray } from '../reference/array';

beforeAll(setup);

const gpu = (a: NdArray) => wc.tensor(Float32Array.from(a.data), a.shape);
const filled = (c: number, v: number): NdArray => ({ data: new Float64Array(c).fill(v), shape: [c] });

// Running statistics for eval: any mean, a positive variance.
function runningStats(c: number, seed: number) {
  const mean = randomArray([c], seed, -0.5, 0.5);
  const variance = randomArray([c], seed + 1, 0.3, 2);
  return { mean, variance };
}

// The per-element kernels walk instead of dividing per element: invocations of 16 elements (CPU) that start
// mid-plane and cross planes and channels (945 elements, 63 per plane; 286 of 143; 1x1 planes).
const shapes = [
  [1, 1, 3, 3],
  [2, 3, 7, 5],
  [4, 7, 2, 3],
  [3, 2, 1, 1],
  [3, 5, 9, 7],
  [2, 3, 11, 13],
];

it.each(shapes)('training forward and gradients (x, gamma, beta) for [%i, %i, %i, %i]', async (...shape) => {
  const c = shape[1];
  const rm = wc.zeros([c]);
  const rv = wc.ones([c]);
  try {
    await checkOp({
      shapes: [shape, [c], [c]],
      ours: (x, gamma, beta) => batchNorm2d(x, gamma, beta, rm, rv, { training: true }),
      ref: (x, gamma, beta) => batchNormRef(x, gamma, beta, filled(c, 0), filled(c, 1), { training: true }).y,
      rtol: 1e-5,
      atol: 1e-5,
    });
  } finally {
    rm.dispose();
    rv.dispose();
  }
});

it('training forward stays accurate over many values far from zero', async () => {
  // m = 1024 values per channel, uniform in [99, 101]: E[x^2] - mean^2 in float32 would lose most digits here.
  const shape = [4, 3, 16, 16];
  const gamma = randomArray([3], 21);
  const beta = randomArray([3], 22);
  const state = [gpu(gamma), gpu(beta), wc.zeros([3]), wc.ones([3])];
  const [g, b, rm, rv] = state;
  try {
    await checkOp({
      shapes: [shape],
      range: [99, 101],
      ours: (x) => batchNorm2d(x, g, b, rm, rv, { training: true }),
      ref: (x) => batchNormRef(x, gamma, beta, filled(3, 0), filled(3, 1), { training: true }).y,
      grad: false,
      rtol: 1e-4,
      atol: 1e-4,
    });
  } finally {
    state.forEach((t) => t.dispose());
  }
});

it.each([[[2, 3, 4, 5]], [[1, 2, 1, 1]]])('eval forward and gradients for %j', async (shape) => {
  const c = shape[1];
  const { mean, variance } = runningStats(c, 50);
  const rm = gpu(mean);
  const rv = gpu(variance);
  try {
    await checkOp({
      shapes: [shape, [c], [c]],
      ours: (x, gamma, beta) => batchNorm2d(x, gamma, beta, rm, rv, { training: false, eps: 1e-3 }),
      ref: (x, gamma, beta) => batchNormRef(x, gamma, beta, mean, variance, { training: false, eps: 1e-3 }).y,
      rtol: 1e-5,
      atol: 1e-5,
    });
    // Eval leaves the running statistics alone.
    expectClose(await rm.data(), mean.data, {}, 'runningMean');
    expectClose(await rv.data(), variance.data, {}, 'runningVar');
  } finally {
    rm.dispose();
    rv.dispose();
  }
});

it('the reference agrees with a hand computation', () => {
  // One channel of 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
  const x: NdArray = { data: Float64Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] };
  const options = { training: true, eps: 0, momentum: 0.5 };
  const r = batchNormRef(x, filled(1, 2), filled(1, 1), filled(1, 0), filled(1, 1), options);
  const s = Math.sqrt(1.25);
  expectClose(r.y.data, [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / s + 1), {}, 'y');
  expectClose(r.runningMean.data, [1.25], {}, 'runningMean');
  expectClose(r.runningVar.data, [0.5 + 0.5 * (5 / 3)], {}, 'runningVar');
});

it('updates the running statistics in place like torch.nn.BatchNorm2d, over two training calls', async () => {
  const shape = [3, 4, 5, 2];
  const c = shape[1];
  const gamma = randomArray([c], 11);
  const beta = randomArray([c], 12);
  const { mean, variance } = runningStats(c, 13);
  const batches = [randomArray(shape, 14, -2, 3), randomArray(shape, 15, 0, 1)];
  const g = gpu(gamma);
  const b = gpu(beta);
  const rm = gpu(mean);
  const rv = gpu(variance);
  let refMean = mean;
  let refVar = variance;
  for (const [step, options] of [{ training: true }, { training: true, momentum: 0.3 }].entries()) {
    const x = gpu(batches[step]);
    const y = batchNorm2d(x, g, b, rm, rv, options);
    const ref = batchNormRef(batches[step], gamma, beta, refMean, refVar, options as BatchNormRefOptions);
    refMean = ref.runningMean;
    refVar = ref.runningVar;
    expectClose(await y.data(), ref.y.data, { rtol: 1e-4, atol: 1e-4 }, `y after call ${step + 1}`);
    expectClose(await rm.data(), refMean.data, { rtol: 1e-5, atol: 1e-6 }, `runningMean after call ${step + 1}`);
    expectClose(await rv.data(), refVar.data, { rtol: 1e-5, atol: 1e-6 }, `runningVar after call ${step + 1}`);
    x.dispose();
    y.dispose();
  }
  [g, b, rm, rv].forEach((t) => t.dispose());
});

it('frozen gamma and beta get no gradient, and backward frees what forward saved', async () => {
  const x = wc.rand([2, 3, 4, 4], { seed: 5 });
  x.requiresGrad = true;
  const [gamma, beta, rm, rv] = [wc.ones([3]), wc.zeros([3]), wc.zeros([3]), wc.ones([3])];
  await x.data();
  const tensors = wc.memory().tensors;
  const loss = wc.scope(() => wc.sum(wc.mul(batchNorm2d(x, gamma, beta, rm, rv, { training: true }), x)));
  loss.backward();
  loss.dispose();
  expect(gamma.grad).toBeNull();
  expect(beta.grad).toBeNull();
  expect(x.grad).not.toBeNull();
  expect(wc.memory().tensors).toBe(tensors + 1); // only x.grad is new
  [x, gamma, beta, rm, rv].forEach((t) => t.dispose());
});

it('rejects bad shapes and options before touching the GPU', () => {
  const x = wc.zeros([2, 3, 4, 4]);
  const c3 = wc.zeros([3]);
  const c4 = wc.ones([4]);
  const rv = wc.ones([3]);
  const bn = (...args: Parameters<typeof batchNorm2d>) => () => batchNorm2d(...args);
  const x3 = wc.zeros([2, 3, 4]);
  expect(bn(x3, c3, c3, c3, rv, { training: true })).toThrow(/batchNorm2d: x must be \[N, C, H, W\], got \[2, 3, 4\]/);
  expect(bn(x, c4, c3, c3, rv, { training: true })).toThrow(
    /batchNorm2d: gamma must be \[C\] = \[3\] for x \[2, 3, 4, 4\], got \[4\]/,
  );
  expect(bn(x, c3, c4, c3, rv, { training: true })).toThrow(/beta must be \[C\] = \[3\]/);
  expect(bn(x, c3, c3, c4, rv, { training: false })).toThrow(/runningMean must be \[C\] = \[3\]/);
  expect(bn(x, c3, c3, c3, c4, { training: false })).toThrow(/runningVar must be \[C\] = \[3\]/);
  const single = wc.zeros([1, 3, 1, 1]);
  expect(bn(single, c3, c3, c3, rv, { training: true })).toThrow(/more than 1 value per channel/);
  expect(bn(x, c3, c3, c3, c3, { training: true })).toThrow(/must not share storage/);
  expect(bn(x, c3, c3, c3, rv, { training: true, momentum: 2 })).toThrow(/momentum must be in \[0, 1\], got 2/);
  [x, c3, c4, rv, x3, single].forEach((t) => t.dispose());
});
