/**
 * Every bad input from issue 14, one row each: the call, words its error must contain, and memory unchanged
 * afterwards (no tensor or byte left behind by a call that threw). Each row's tensors are made by `setup`,
 * outside the measured part, and disposed after it.
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { collectGarbage, setup } from '../helpers';

beforeAll(setup);

const { nn, optim } = wc;

interface Row {
  name: string;
  /** tensors and modules the call needs, made before memory is measured */
  setup?: () => Record<string, unknown>;
  call: (s: Record<string, any>) => unknown;
  /** every one must appear in the message */
  words: (string | RegExp)[];
  type?: typeof TypeError;
}

const model = () => new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
const t = (shape: number[]) => wc.zeros(shape);
const disposed = () => {
  const x = wc.ones([2, 2]);
  x.dispose();
  return x;
};
const data = (over: Partial<wc.data.Dataset> = {}): wc.data.Dataset => ({
  images: new Float32Array(4 * 4), labels: Int32Array.from([0, 1, 0, 1]), shape: [1, 2, 2], length: 4, ...over,
});

const rows: Row[] = [
  // tensor creation
  { name: 'tensor: values do not fill the shape', call: () => wc.tensor([1, 2, 3], [2, 2]), words: ['tensor', '3 values', '[2, 2]'] },
  { name: 'tensor: ragged nested lists', call: () => wc.tensor([[1, 2], [3]] as never), words: ['tensor', 'rectangular', 'depth 1'] },
  { name: 'tensor: a string element', call: () => wc.tensor(['a'] as never), words: ['tensor', 'element 0', 'the string "a"', 'expected a number'], type: TypeError },
  { name: 'tensor: an object', call: () => wc.tensor({} as never), words: ['tensor', 'data must be', 'an Object'], type: TypeError },
  { name: 'zeros: negative size', call: () => wc.zeros([2, -1]), words: ['full', '[2,-1]', 'non-negative integers'] },
  { name: 'zeros: larger than the adapter allows', call: () => wc.zeros([3 * 2 ** 27]), words: ['full', '[402653184]', '1610612736 bytes', /maxBufferSize|maxStorageBufferBindingSize/] },
  { name: 'zeros: absurdly large', call: () => wc.zeros([1e9, 1e9]), words: ['full', '[1000000000, 1000000000]', /maxBufferSize|maxStorageBufferBindingSize/] },
  // ops
  { name: 'add: shapes that do not broadcast', setup: () => ({ a: t([2, 3]), b: t([4, 3]) }), call: ({ a, b }) => wc.add(a, b), words: ['add', '[2, 3] and [4, 3]', 'do not broadcast'] },
  { name: 'add: a string operand', setup: () => ({ a: t([2]) }), call: ({ a }) => wc.add(a, 'x' as never), words: ['add', 'b (a Tensor or a number)', 'the string "x"'], type: TypeError },
  { name: 'add: rank 9', setup: () => ({ a: t([1, 1, 1, 1, 1, 1, 1, 1, 2]) }), call: ({ a }) => wc.add(a, a), words: ['add', 'rank 9', 'supported rank 8'] },
  { name: 'add: a disposed tensor', setup: () => ({ a: t([2, 2]), d: disposed() }), call: ({ a, d }) => wc.add(a, d), words: ['add', 'b', '[2, 2]', 'after dispose()'] },
  { name: 'relu: a Float32Array', call: () => wc.relu(new Float32Array(4) as never), words: ['relu', 'x must be a Tensor', 'Float32Array'], type: TypeError },
  { name: 'matmul: inner sizes differ', setup: () => ({ a: t([2, 3]), b: t([2, 3]) }), call: ({ a, b }) => wc.matmul(a, b), words: ['matmul', '[m, k] and b: [k, n]', '[2, 3]'] },
  { name: 'matmul: a disposed tensor', setup: () => ({ a: t([2, 2]), d: disposed() }), call: ({ a, d }) => wc.matmul(d, a), words: ['matmul', 'a (tensor [2, 2])', 'after dispose()'] },
  { name: 'transpose: rank 9', setup: () => ({ a: t([1, 1, 1, 1, 1, 1, 1, 1, 2]) }), call: ({ a }) => wc.transpose(a), words: ['transpose', 'rank 9', 'at most 8'] },
  { name: 'transpose: not a permutation', setup: () => ({ a: t([2, 3]) }), call: ({ a }) => wc.transpose(a, [0, 0]), words: ['transpose', '[0,0]', 'not a permutation', '[2, 3]'] },
  { name: 'reshape: wrong size', setup: () => ({ a: t([2, 3]) }), call: ({ a }) => wc.reshape(a, [4, -1]), words: ['reshape', '[2, 3] (6 elements)', '[4, -1]'] },
  { name: 'conv2d: channels differ', setup: () => ({ x: t([1, 2, 4, 4]), w: t([3, 1, 3, 3]) }), call: ({ x, w }) => wc.conv2d(x, w), words: ['conv2d', 'w has 1 input channels, x has 2', '[1, 2, 4, 4]'] },
  { name: 'conv2d: a 0x0 kernel', setup: () => ({ x: t([1, 1, 4, 4]), w: t([2, 1, 0, 0]) }), call: ({ x, w }) => wc.conv2d(x, w), words: ['conv2d', 'at least 1x1', '0x0'] },
  { name: 'maxPool2d: a disposed tensor', setup: () => ({ d: disposed() }), call: ({ d }) => wc.maxPool2d(d, { kernelSize: 2 }), words: ['maxPool2d', 'after dispose()'] },
  { name: 'crossEntropy: a label out of range', setup: () => ({ x: t([2, 3]) }), call: ({ x }) => wc.crossEntropy(x, Int32Array.from([0, 3])), words: ['crossEntropy', 'label 3 at index 1', '[0, 3)'] },
  { name: 'crossEntropy: a fractional label', setup: () => ({ x: t([2, 3]) }), call: ({ x }) => wc.crossEntropy(x, [0, 2.5]), words: ['crossEntropy', 'label 2.5', '[0, 3)'] },
  { name: 'crossEntropy: labels of the wrong length', setup: () => ({ x: t([2, 3]), y: t([3]) }), call: ({ x, y }) => wc.crossEntropy(x, y), words: ['crossEntropy', 'labels must be [2]', '[3]'] },
  { name: 'backward: nothing requires grad', setup: () => ({ s: wc.sum(t([2])) }), call: ({ s }) => s.backward(), words: ['backward', 'not recorded for autograd', 'requiresGrad'] },
  { name: 'backward: on a leaf', setup: () => ({ a: wc.zeros([1]) }), call: ({ a }) => ((a.requiresGrad = true), a.backward()), words: ['backward', 'is a leaf'] },
  // modules
  { name: 'nn.Linear(784): no output size', call: () => new nn.Linear(784 as never, undefined as never), words: ['nn.Linear', 'outFeatures', 'undefined'], type: TypeError },
  { name: 'nn.Conv2d: kernel size 0', call: () => new nn.Conv2d(1, 2, 0), words: ['nn.Conv2d', 'kernelSize', '>= 1', 'number 0'], type: TypeError },
  { name: 'nn.ConvTranspose2d: a fractional channel count', call: () => new nn.ConvTranspose2d(2.5, 2, 2), words: ['nn.ConvTranspose2d', 'inChannels', '>= 1', '2.5'], type: TypeError },
  { name: 'nn.Sequential([...])', call: () => new nn.Sequential([new nn.ReLU()] as never), words: ['nn.Sequential', 'layer 0 must be a Module', 'an array of 1', '...layers'], type: TypeError },
  { name: 'nn.Residual: not a module', call: () => new nn.Residual(3 as never), words: ['nn.Residual', 'block must be a Module'], type: TypeError },
  { name: 'forward: a Float32Array', setup: () => ({ m: model() }), call: ({ m }) => m.forward(new Float32Array(8)), words: ['Sequential: layer 0 (Linear)', 'linear: x must be a Tensor', 'Float32Array'], type: TypeError },
  { name: 'forward: a shape error names the layer', setup: () => ({ m: model(), x: t([2, 5]) }), call: ({ m, x }) => m.forward(x), words: ['Sequential: layer 0 (Linear)', 'w must be [out, 5]', '[2, 5]'] },
  { name: 'forward: an error at a later layer', setup: () => ({ m: new nn.Sequential(new nn.Linear(4, 3), new nn.Sigmoid(), new nn.Linear(4, 2)), x: t([2, 4]) }), call: ({ m, x }) => m.forward(x), words: ['Sequential: layer 2 (Linear)', 'w must be [out, 3]'] },
  { name: 'loadStateDict: a key named constructor', setup: () => ({ m: new nn.Linear(2, 1) }), call: ({ m }) => m.loadStateDict({ weight: new Float32Array(2), bias: new Float32Array(1), constructor: new Float32Array(1) }), words: ['loadStateDict', 'unexpected keys [constructor]'] },
  { name: 'loadStateDict: wrong length', setup: () => ({ m: new nn.Linear(2, 1) }), call: ({ m }) => m.loadStateDict({ weight: new Float64Array(3), bias: [0] }), words: ['loadStateDict', '"weight" expects [1, 2]', 'got 3 values'] },
  // optimisers
  { name: 'Adam(model)', setup: () => ({ m: model() }), call: ({ m }) => new optim.Adam(m), words: ['Adam', 'array of parameter tensors', 'model.parameters()', 'a Sequential'], type: TypeError },
  { name: 'Adam: lr Infinity', call: () => new optim.Adam([], { lr: Infinity }), words: ['Adam', 'learning rate', 'finite', 'Infinity'] },
  { name: 'Adam: betas [1, 1]', call: () => new optim.Adam([], { betas: [1, 1] }), words: ['Adam', 'betas[0]', '[0, 1)', 'number 1'] },
  { name: 'SGD: momentum -1', call: () => new optim.SGD([], { lr: 0.1, momentum: -1 }), words: ['SGD', 'momentum', '[0, 1)', '-1'] },
  { name: 'SGD: no lr', call: () => new optim.SGD([] as never, undefined as never), words: ['SGD', 'options.lr is required'], type: TypeError },
  { name: 'step: lr set to NaN later', setup: () => ({ o: new optim.SGD([], { lr: 0.1 }) }), call: ({ o }) => ((o.lr = NaN), o.step()), words: ['SGD', 'learning rate', 'NaN'] },
];

const asyncRows: Row[] = [
  { name: 'fit: no optimizer', setup: () => ({ m: model() }), call: ({ m }) => wc.fit(m, data(), {} as never), words: ['fit', 'options.optimizer is required', 'undefined'], type: TypeError },
  { name: 'fit: arrays shorter than length', setup: () => ({ m: model() }), call: ({ m }) => wc.fit(m, data({ length: 5 }), { optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) }), words: ['fit', '.images holds 16 values', 'length 5'] },
  { name: 'fit: fractional Float32Array labels', setup: () => ({ m: model() }), call: ({ m }) => wc.fit(m, data({ labels: Float32Array.from([0, 2.5, 1, 0]) as never }), { optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) }), words: ['fit', 'label 2.5 at index 1', 'integer'] },
  { name: 'fit: NaN in the images', setup: () => ({ m: model() }), call: ({ m }) => wc.fit(m, data({ images: new Float32Array(16).fill(NaN) }), { optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) }), words: ['fit', 'image 0 holds NaN', 'finite'] },
  { name: 'evaluate: labels missing', setup: () => ({ m: model() }), call: ({ m }) => wc.evaluate(m, data({ labels: new Int32Array(2) })), words: ['evaluate', '.labels holds 2 labels', 'length 4'] },
  { name: 'fit: an error inside a layer (mid-step)', setup: () => ({ m: new nn.Sequential(new nn.Flatten(), new nn.Linear(5, 2)) }), call: ({ m }) => wc.fit(m, data(), { optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) }), words: ['Sequential: layer 1 (Linear)', 'w must be [out, 4]'] },
  { name: 'init: a destroyed device', setup: () => ({}), call: async () => {
    const { acquireDevice } = await import('../../src/gpu/device');
    const { device } = await acquireDevice();
    device.destroy();
    return wc.init({ device });
  }, words: ['init', 'already lost or destroyed'] },
];

/**
 * Waits for the GPU and lets the collector free what earlier rows dropped (the FinalizationRegistry would
 * otherwise free it in the middle of a later row's count).
 */
async function settle(): Promise<void> {
  await wc.sync();
  await collectGarbage();
}

function check(e: unknown, row: Row): void {
  expect(e, row.name).toBeInstanceOf(row.type ?? Error);
  const message = (e as Error).message;
  expect(message, row.name).toMatch(/^webgpu-cnn[ :]/);
  for (const w of row.words) {
    if (typeof w === 'string') expect(message, row.name).toContain(w);
    else expect(message, row.name).toMatch(w);
  }
}

/** Runs a row's call (awaited when it returns a promise) and checks its error, and that it left no tensor or byte behind. */
async function runRow(row: Row): Promise<void> {
  const made = row.setup?.() ?? {};
  await settle();
  const before = wc.memory();
  let thrown: unknown = null;
  try {
    await row.call(made);
  } catch (e) {
    thrown = e;
  }
  check(thrown, row);
  const after = wc.memory();
  expect({ tensors: after.tensors, bytesInUse: after.bytesInUse }, row.name).toEqual({ tensors: before.tensors, bytesInUse: before.bytesInUse });
  for (const v of Object.values(made)) (v as { dispose?: () => void }).dispose?.();
  await wc.sync(); // nothing invalid reached the GPU
}

it.each(rows)('$name', runRow);
it.each(asyncRows)('$name', runRow);
