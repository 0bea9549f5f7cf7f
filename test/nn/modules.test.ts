import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { dot, expectClose, numericGradient, setup } from '../helpers';
import { runtime } from '../../src/gpu/runtime';
import { conv2dRef } from '../reference/conv';
import { linearRef } from '../reference/linear';
import { batchNormRef } from '../reference/batchnorm';
import { maxPool2dRef, avgPool2dRef } from '../reference/pool';
import { randomArray, type NdArray } from '../reference/array';

beforeAll(setup);

const { nn } = wc;
const nd = async (t: wc.Tensor): Promise<NdArray> => ({ data: Float64Array.from(await t.data()), shape: [...t.shape] });
const input = (shape: number[], seed = 1) => {
  const r = randomArray(shape, seed);
  return { ref: r, t: wc.tensor(Float32Array.from(r.data), shape) };
};

it('Conv2d and Linear compute their layer with their own parameters, initialised like PyTorch', async () => {
  const conv = new nn.Conv2d(3, 4, [3, 2], { stride: 2, padding: 1, seed: 7 });
  const x = input([2, 3, 7, 6]);
  const w = await nd(conv.weight);
  const b = await nd(conv.bias!);
  expect(w.shape).toEqual([4, 3, 3, 2]);
  const bound = 1 / Math.sqrt(3 * 3 * 2);
  expect(Math.max(...w.data.map(Math.abs), ...b.data.map(Math.abs))).toBeLessThanOrEqual(bound);
  expectClose(await conv.forward(x.t).data(), conv2dRef(x.ref, w, b, [2, 2], [1, 1]).data, { atol: 1e-5 });

  const lin = new nn.Linear(6, 3, { seed: 8 });
  const xl = input([5, 6], 2);
  expectClose(await lin.forward(xl.t).data(), linearRef(xl.ref, await nd(lin.weight), await nd(lin.bias!)).data, { atol: 1e-5 });
  expect(new nn.Linear(6, 3, { bias: false }).bias).toBeNull();
});

it('initialisation fills U(-1/sqrt(fanIn), 1/sqrt(fanIn)): the whole range, with its spread, for weights and biases', async () => {
  // U(-b, b) has standard deviation b / sqrt(3); with thousands of draws the sample max is within 1% of b.
  const expectUniform = (values: Float32Array, bound: number, what: string) => {
    const n = values.length;
    const max = Math.max(...values.map(Math.abs));
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / n);
    expect(max, `${what}: max |w|`).toBeLessThanOrEqual(bound);
    expect(max, `${what}: max |w|`).toBeGreaterThan(bound * (n > 1000 ? 0.99 : 0.8));
    expect(Math.abs(std / (bound / Math.sqrt(3)) - 1), `${what}: spread`).toBeLessThan(n > 1000 ? 0.03 : 0.25);
  };
  const lin = new nn.Linear(50, 80, { seed: 4 });
  expectUniform(await lin.weight.data(), 1 / Math.sqrt(50), 'Linear weight');
  expectUniform(await lin.bias!.data(), 1 / Math.sqrt(50), 'Linear bias');
  const conv = new nn.Conv2d(6, 64, 3, { seed: 5 });
  expectUniform(await conv.weight.data(), 1 / Math.sqrt(6 * 9), 'Conv2d weight');
  expectUniform(await conv.bias!.data(), 1 / Math.sqrt(6 * 9), 'Conv2d bias');
  // the bias is drawn from its own stream, not a copy of the weight's first elements
  expect(Array.from(await lin.bias!.data())).not.toEqual(Array.from((await lin.weight.data()).subarray(0, 80)));
  [lin, conv].forEach((m) => m.dispose());
});

it('the same seed initialises the same weights; manualSeed makes default seeds repeat', async () => {
  const a = await new nn.Linear(4, 4, { seed: 3 }).weight.data();
  const b = await new nn.Linear(4, 4, { seed: 3 }).weight.data();
  expect(a).toEqual(b);
  wc.manualSeed(11);
  const c = await new nn.Conv2d(1, 2, 3).weight.data();
  wc.manualSeed(11);
  const d = await new nn.Conv2d(1, 2, 3).weight.data();
  expect(c).toEqual(d);
  // and other seeds other weights: explicit ones, and the next default seed after manualSeed
  expect(await new nn.Linear(4, 4, { seed: 4 }).weight.data()).not.toEqual(a);
  expect(await new nn.Conv2d(1, 2, 3).weight.data()).not.toEqual(c);
  wc.manualSeed(12);
  expect(await new nn.Conv2d(1, 2, 3).weight.data()).not.toEqual(c);
});

it('Sequential names parameters and buffers with PyTorch keys', () => {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Residual(new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.ReLU())),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(8, 3));
  expect(Object.keys(model.stateDict())).toEqual([
    '0.weight', '0.bias', '1.weight', '1.bias', '4.block.0.weight', '4.block.0.bias', '7.weight', '7.bias',
    '1.running_mean', '1.running_var', '1.num_batches_tracked',
  ]);
  expect(model.parameters().length).toBe(8);
});

it('Sequential fuses ReLU into the layer before it or the max-pool after it: no extra dispatch, the same values and gradients', async () => {
  const conv = new nn.Conv2d(2, 3, [3, 2], { stride: 2, padding: 1, seed: 3 });
  const hidden = new nn.Linear(3 * 2 * 2, 5, { seed: 4 });
  const head = new nn.Linear(5, 2, { seed: 5 });
  const pool = new nn.MaxPool2d(2);
  const model = new nn.Sequential(conv, new nn.ReLU(), pool, new nn.Flatten(), hidden, new nn.ReLU(), head);
  const x = input([2, 2, 7, 8], 6);
  const batch = runtime().batch;
  const dispatches = (f: () => wc.Tensor) => {
    batch.flush();
    f().dispose();
    return batch.dispatches;
  };
  expect(dispatches(() => new nn.Sequential(conv, new nn.ReLU()).forward(x.t))).toBe(dispatches(() => conv.forward(x.t)));
  expect(dispatches(() => new nn.Sequential(new nn.ReLU(), pool).forward(x.t))).toBe(dispatches(() => pool.forward(x.t)));
  const features = (n: number) => wc.tensor(new Float32Array(2 * n), [2, n]);
  const alone = [() => conv.forward(x.t), () => pool.forward(x.t), () => hidden.forward(features(12)), () => head.forward(features(5))];
  expect(dispatches(() => model.forward(x.t))).toBe(alone.map(dispatches).reduce((a, b) => a + b));

  const params = [conv.weight, conv.bias!, hidden.weight, hidden.bias!, head.weight, head.bias!];
  const values = await Promise.all(params.map(nd));
  const relu = (a: NdArray) => ({ ...a, data: a.data.map((v) => Math.max(v, 0)) });
  const reference = ([xr, w1, b1, w2, b2, w3, b3]: NdArray[]) => {
    const h = maxPool2dRef(relu(conv2dRef(xr, w1, b1, [2, 2], [1, 1])), 2);
    return linearRef(relu(linearRef({ data: h.data, shape: [2, 12] }, w2, b2)), w3, b3);
  };
  const inputs = [x.ref, ...values];
  const expected = reference(inputs);
  const xt = wc.tensor(Float32Array.from(x.ref.data), x.ref.shape, { requiresGrad: true });
  const y = model.forward(xt);
  expectClose(await y.data(), expected.data, { atol: 1e-5 });
  const weights = randomArray(expected.shape, 7);
  wc.sum(wc.mul(y, wc.tensor(Float32Array.from(weights.data), weights.shape))).backward();
  const L = (args: NdArray[]) => dot(reference(args).data, weights.data);
  const grads = [xt, ...params].map((t) => t.grad!);
  for (let i = 0; i < inputs.length; i++) {
    expectClose(await grads[i].data(), numericGradient(L, inputs, i), { rtol: 1e-3, atol: 1e-4 }, `gradient of input ${i}`);
  }
});

it('BatchNorm2d uses batch statistics in training and running ones in eval, counting batches', async () => {
  const bn = new nn.BatchNorm2d(3, { momentum: 0.2 });
  const x = input([4, 3, 2, 2]);
  const zeros = { data: new Float64Array(3), shape: [3] };
  const ones = { data: new Float64Array(3).fill(1), shape: [3] };
  const expected = batchNormRef(x.ref, ones, zeros, zeros, ones, { training: true, momentum: 0.2 });
  expectClose(await bn.forward(x.t).data(), expected.y.data, { atol: 1e-5 });
  expectClose(await bn.runningMean.data(), expected.runningMean.data, { atol: 1e-6 });
  expect(Array.from(await bn.numBatchesTracked.data())).toEqual([1]);
  bn.eval();
  const evalRef = batchNormRef(x.ref, ones, zeros, expected.runningMean, expected.runningVar, { training: false });
  expectClose(await bn.forward(x.t).data(), evalRef.y.data, { atol: 1e-5 });
  expect(Array.from(await bn.numBatchesTracked.data())).toEqual([1]);
});

it('pooling, activations, flatten and dropout modules do what their ops do', async () => {
  const x = input([2, 3, 6, 5]);
  expectClose(await new nn.MaxPool2d(2).forward(x.t).data(), maxPool2dRef(x.ref, 2).data);
  expectClose(await new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(x.t).data(), avgPool2dRef(x.ref, 3, 2, 1).data, { atol: 1e-6 });
  expectClose(await new nn.ReLU().forward(x.t).data(), x.ref.data.map((v) => Math.max(v, 0)));
  expectClose(await new nn.Tanh().forward(x.t).data(), x.ref.data.map(Math.tanh), { atol: 1e-6 });
  expectClose(await new nn.Sigmoid().forward(x.t).data(), x.ref.data.map((v) => 1 / (1 + Math.exp(-v))), { atol: 1e-6 });
  expect(new nn.Flatten().forward(x.t).shape).toEqual([2, 90]);
  // Dropout: about p of the elements zeroed (the input has no zeros), the others scaled by exactly 1 / (1 - p)
  const drop = new nn.Dropout(0.25, { seed: 1 });
  const y = await drop.forward(x.t).data();
  const dropped = y.filter((v) => v === 0).length;
  expect(Math.abs(dropped / y.length - 0.25)).toBeLessThan(5 * Math.sqrt((0.25 * 0.75) / y.length));
  const kept = [...y.keys()].filter((i) => y[i] !== 0);
  expectClose(kept.map((i) => y[i]), kept.map((i) => x.ref.data[i] / 0.75), { rtol: 1e-6, atol: 0 }, 'kept values');
  // a fresh mask each call
  expect(await drop.forward(x.t).data()).not.toEqual(y);
  drop.eval();
  expectClose(await drop.forward(x.t).data(), x.ref.data);
});

it('Residual adds its input to its block output', async () => {
  const block = new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1, seed: 2 }));
  const res = new nn.Residual(block);
  const x = input([1, 2, 5, 5]);
  const conv = block.layers[0] as wc.nn.Conv2d;
  const c = conv2dRef(x.ref, await nd(conv.weight), await nd(conv.bias!), [1, 1], [1, 1]);
  expectClose(await res.forward(x.t).data(), c.data.map((v, i) => v + x.ref.data[i]), { atol: 1e-5 });
});

it('loadStateDict copies in place, all or nothing, and names what does not fit', async () => {
  const a = new nn.Sequential(new nn.Linear(3, 2, { seed: 1 }));
  const b = new nn.Sequential(new nn.Linear(3, 2, { seed: 2 }));
  const weight = b.layers[0] as wc.nn.Linear;
  const before = await weight.weight.data();
  const biasBefore = await weight.bias!.data();
  expect(() => b.loadStateDict({ '0.weight': wc.zeros([2, 3]) })).toThrow(/missing keys \[0\.bias\]/);
  // The bad key comes after a good one (stateDict order: 0.weight, then 0.bias), so writing key by key would
  // already have changed the weight when the bias is found wrong.
  expect(() => b.loadStateDict({ '0.weight': wc.zeros([2, 3]), '0.bias': wc.zeros([3]) })).toThrow(/"0\.bias" expects \[2\], got \[3\]/);
  expect(() => b.loadStateDict({ '0.weight': wc.zeros([3, 2]), '0.bias': wc.zeros([2]) })).toThrow(/"0\.weight" expects \[2, 3\], got \[3, 2\]/);
  expect(() => b.loadStateDict({ '0.weight': new Float32Array(6), '0.bias': new Float32Array(3) })).toThrow(/"0\.bias" expects \[2\] \(2 values\), got 3 values/);
  expect(await weight.weight.data()).toEqual(before);
  expect(await weight.bias!.data()).toEqual(biasBefore);
  b.loadStateDict(a.stateDict());
  expect(await weight.weight.data()).toEqual(await (a.layers[0] as wc.nn.Linear).weight.data());
  expect(await weight.bias!.data()).toEqual(await (a.layers[0] as wc.nn.Linear).bias!.data());
});

it('nn.Conv2d with groups and dilation: PyTorch weight shape, init bound and the functional result', async () => {
  const conv = new wc.nn.Conv2d(6, 9, 3, { groups: 3, dilation: 2, padding: 2, seed: 5 });
  expect(conv.weight.shape).toEqual([9, 2, 3, 3]);
  const bound = 1 / Math.sqrt(2 * 3 * 3); // fan-in is per group
  const w = await conv.weight.data();
  expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
  expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.8);
  const x = wc.randn([1, 6, 7, 7], { seed: 1 });
  const viaModule = await conv.forward(x).data();
  const direct = await wc.conv2d(x, conv.weight, conv.bias, { groups: 3, dilation: 2, padding: 2 }).data();
  expect(Array.from(viaModule)).toEqual(Array.from(direct));
  expect(() => new wc.nn.Conv2d(6, 4, 3, { groups: 3 })).toThrow(/groups 3 must be a positive integer dividing in \(6\) and out \(4\)/);
});
