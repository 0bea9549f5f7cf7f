/**
 * NaN and Infinity: the opt-in per-op check, fit and evaluate stopping on a NaN loss, labels checked in the
 * kernel; GPU validation errors caught by error scopes; and the inputs issue 14 wanted accepted (nested lists,
 * scalars, numbers in elementwise ops, Float64Array state).
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { setup } from '../helpers';

beforeAll(setup);

const { nn, optim } = wc;

it('checkNumerics names the first op whose output is not finite', async () => {
  wc.debug.checkNumerics(true);
  try {
    const x = wc.tensor([1, -1, 0, 2]);
    const fine = wc.relu(x);
    await fine.data(); // nothing to report
    const y = wc.div(x, wc.tensor([1, 1, 0, 1])); // 0 / 0 = NaN at index 2
    const z = wc.tanh(y);
    await expect(z.data()).rejects.toThrow(/checkNumerics: div \(output \[4\]\) produced NaN or Infinity \(the first of the \d+ ops checked/);
    await z.data(); // reported once; the check starts over
    const w = wc.sigmoid(wc.tensor([0]));
    expect(Array.from(await w.data())).toEqual([0.5]);
  } finally {
    wc.debug.checkNumerics(false);
  }
});

it('checkNumerics names a gradient too', async () => {
  wc.debug.checkNumerics(true);
  try {
    const w = wc.tensor([0, 1], [2], { requiresGrad: true });
    const loss = wc.sum(wc.div(wc.tensor([1, 1]), w)); // finite? 1/0 = Infinity in the forward
    await expect(loss.data()).rejects.toThrow(/checkNumerics: div \(output \[2\]\)/);
    loss.backward();
    await expect(w.grad!.data()).rejects.toThrow(/checkNumerics: div \(backward, gradient of input 1\)/);
  } finally {
    wc.debug.checkNumerics(false);
  }
});

const tiny = () => new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3));
const data = (labels: number[]): wc.data.Dataset => ({
  images: new Float32Array(16).map((_, i) => i / 16), labels: Int32Array.from(labels), shape: [1, 2, 2], length: 4,
});

it('fit reports a NaN loss as NaN and stops with a message', async () => {
  const model = tiny();
  model.loadStateDict({ '1.weight': new Float32Array(12).fill(NaN), '1.bias': new Float32Array(3) }); // as if it diverged
  const losses: Array<number | undefined> = [];
  const run = wc.fit(model, data([0, 1, 2, 1]), {
    optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 3, batchSize: 2, lossEvery: 1, shuffle: false,
    onBatchEnd: ({ loss }) => void losses.push(loss),
  });
  await expect(run).rejects.toThrow(/fit: the mean training loss of epoch 0 up to batch 0 is NaN, so it stopped\. .*checkNumerics/);
  expect(losses.length).toBe(1);
  expect(Number.isNaN(losses[0])).toBe(true);
  model.dispose();
});

it('evaluate stops on a NaN loss instead of reporting an accuracy', async () => {
  const model = tiny();
  model.loadStateDict({ '1.weight': new Float32Array(12).fill(NaN), '1.bias': new Float32Array(3) });
  await expect(wc.evaluate(model, data([0, 1, 2, 1]))).rejects.toThrow(/evaluate: the loss of the batch starting at sample 0 is NaN/);
  model.dispose();
});

it('labels given as a Tensor are checked in the kernel: NaN loss and gradient for one outside [0, K)', async () => {
  for (const bad of [3, -1, 2.5]) {
    const logits = wc.tensor([[0, 1, 2], [1, 0, 0]], undefined, { requiresGrad: true });
    const loss = wc.crossEntropy(logits, wc.tensor([0, bad]));
    expect(Number.isNaN((await loss.data())[0]), `label ${bad}`).toBe(true);
    loss.backward();
    const grad = await logits.grad!.data();
    expect(Number.isNaN(grad[3]), `label ${bad}`).toBe(true);
    expect(Number.isNaN(grad[0]), `label ${bad}: the good row`).toBe(false);
  }
  const good = wc.crossEntropy(wc.tensor([[0, 0]]), wc.tensor([1]));
  expect((await good.data())[0]).toBeCloseTo(Math.log(2), 5);
});

it('a GPU validation error caught by the error scope names what was skipped, and work goes on', async () => {
  const rt = runtime();
  const gone = rt.device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE });
  gone.destroy();
  const target = wc.zeros([4]);
  rt.batch.copy(gone, target.buffer, 16); // invalid at submit: a destroyed buffer
  await expect(target.data()).rejects.toThrow(/GPU validation error in a batch of \d+ dispatches, whose work was skipped: .*destroyed/i);
  expect(Array.from(await wc.ones([2]).data())).toEqual([1, 1]);
  // Per-dispatch validation still computes the same thing.
  wc.debug.validate(true);
  try {
    expect(Array.from(await wc.add(wc.ones([3]), 2).data())).toEqual([3, 3, 3]);
  } finally {
    wc.debug.validate(false);
  }
});

it('accepts what PyTorch accepts: nested lists, scalars, numbers in elementwise ops, Float64Array state', async () => {
  const m = wc.tensor([[1, 2, 3], [4, 5, 6]]);
  expect(m.shape).toEqual([2, 3]);
  expect(Array.from(await m.data())).toEqual([1, 2, 3, 4, 5, 6]);
  const s = wc.tensor(123);
  expect(s.shape).toEqual([]);
  expect(Array.from(await s.data())).toEqual([123]);
  expect(wc.tensor([[[]]] as never).shape).toEqual([1, 1, 0]);
  expect(Array.from(await wc.add(m, 1).data())).toEqual([2, 3, 4, 5, 6, 7]);
  expect(Array.from(await wc.sub(10, m).data())).toEqual([9, 8, 7, 6, 5, 4]);
  expect(Array.from(await wc.mul(m, 0.5).data())).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
  expect(Array.from(await wc.div(m, 2).data())).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
  const w = wc.tensor([1, 2], [2], { requiresGrad: true });
  const loss = wc.sum(wc.mul(wc.add(w, 1), 3)); // d/dw = 3
  loss.backward();
  expect(Array.from(await w.grad!.data())).toEqual([3, 3]);
  const lin = new nn.Linear(2, 1);
  lin.loadStateDict({ weight: Float64Array.from([0.25, 0.5]), bias: [1] });
  expect(Array.from(await lin.weight.data())).toEqual([0.25, 0.5]);
  expect(Array.from(await lin.bias!.data())).toEqual([1]);
});
