import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { adamRef, sgdRef } from '../reference/optim';
import { generator } from '../reference/array';

beforeAll(setup);

const next = generator(42);
const p0 = Array.from({ length: 13 }, () => next() * 2 - 1);
const grads = Array.from({ length: 4 }, () => Array.from({ length: 13 }, () => next() * 2 - 1));

/** Runs `steps` updates with the given gradients through a real backward: loss = sum(p * g). */
async function run(make: (params: wc.Tensor[]) => wc.optim.Optimizer, clip?: number): Promise<Float32Array> {
  const p = wc.tensor(p0, [13], { requiresGrad: true });
  const opt = make([p]);
  if (clip) opt.clipGradNorm(clip);
  for (const g of grads) {
    wc.scope(() => wc.sum(wc.mul(p, wc.tensor(g, [13]))).backward());
    opt.step();
    opt.zeroGrad();
  }
  const out = await p.data();
  opt.dispose();
  p.dispose();
  return out;
}

it.each([
  { lr: 0.1 },
  { lr: 0.05, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, nesterov: true },
  { lr: 0.1, momentum: 0.5, weightDecay: 0.01 },
])('SGD %j matches torch.optim.SGD', async (o) => {
  expectClose(await run((ps) => new wc.optim.SGD(ps, o)), sgdRef(p0, grads, o), { rtol: 1e-5, atol: 1e-6 });
});

it.each([
  { lr: 1e-2 },
  { lr: 3e-3, betas: [0.8, 0.99] as [number, number], eps: 1e-6 },
  { lr: 1e-2, weightDecay: 0.1 },
])('Adam %j matches torch.optim.Adam', async (o) => {
  expectClose(await run((ps) => new wc.optim.Adam(ps, o)), adamRef(p0, grads, o), { rtol: 1e-5, atol: 1e-6 });
});

it('AdamW decays the weights directly, with 0.01 by default', async () => {
  expectClose(await run((ps) => new wc.optim.AdamW(ps, { lr: 1e-2 })), adamRef(p0, grads, { lr: 1e-2, weightDecay: 0.01, decoupled: true }), { rtol: 1e-5, atol: 1e-6 });
  expectClose(await run((ps) => new wc.optim.AdamW(ps, { lr: 1e-2, weightDecay: 0.3 })), adamRef(p0, grads, { lr: 1e-2, weightDecay: 0.3, decoupled: true }), { rtol: 1e-5, atol: 1e-6 });
});

it('clips gradients by global norm before the update', async () => {
  const maxNorm = 0.5;
  const clipped = grads.map((g) => {
    const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    const f = Math.min(1, maxNorm / (norm + 1e-6));
    return g.map((v) => v * f);
  });
  expectClose(await run((ps) => new wc.optim.SGD(ps, { lr: 0.1 }), maxNorm), sgdRef(p0, clipped, { lr: 0.1 }), { rtol: 1e-5, atol: 1e-6 });
});

it('skips frozen parameters and parameters without a gradient', async () => {
  const a = wc.tensor([1, 2], [2], { requiresGrad: true });
  const frozen = wc.tensor([3, 4], [2], { requiresGrad: true });
  const unused = wc.tensor([5, 6], [2], { requiresGrad: true });
  frozen.requiresGrad = false;
  const opt = new wc.optim.SGD([a, frozen, unused], { lr: 1 });
  wc.sum(wc.mul(a, frozen)).backward();
  expect(frozen.grad).toBeNull();
  opt.step();
  expect(Array.from(await a.data())).toEqual([-2, -2]);
  expect(Array.from(await frozen.data())).toEqual([3, 4]);
  expect(Array.from(await unused.data())).toEqual([5, 6]);
});

it('learning-rate schedules follow their formulas', () => {
  const { stepDecay, cosine, withWarmup } = wc.optim;
  expect([0, 9, 10, 25].map(stepDecay(1, 10, 0.5))).toEqual([1, 1, 0.5, 0.25]);
  const c = cosine(1, 100, 0.1);
  expect(c(0)).toBeCloseTo(1);
  expect(c(50)).toBeCloseTo(0.55);
  expect(c(100)).toBeCloseTo(0.1);
  const w = withWarmup(() => 1, 4);
  expect([0, 1, 2, 3, 4].map(w)).toEqual([0.25, 0.5, 0.75, 1, 1]);
  const p = wc.zeros([1]);
  const opt = new wc.optim.SGD([p], { lr: 1 });
  const sched = new wc.optim.LRScheduler(opt, stepDecay(0.1, 2, 0.1));
  const seen = [opt.lr];
  for (let i = 0; i < 4; i++) {
    sched.step();
    seen.push(opt.lr);
  }
  expectClose(seen, [0.1, 0.1, 0.01, 0.01, 0.001]);
});
