import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { adamRef, sgdRef } from '../reference/optim';
import { generator } from '../reference/array';

beforeAll(setup);

// Two parameters: the second spans more than one 256-wide workgroup of the update kernels, and two make the
// global gradient norm differ from each parameter's own.
const sizes = [13, 300];
const next = generator(42);
const p0 = sizes.map((n) => Array.from({ length: n }, () => next() * 2 - 1));
const grads = Array.from({ length: 4 }, () => sizes.map((n) => Array.from({ length: n }, () => next() * 2 - 1)));
/** The gradients of parameter i, step by step, as the float64 references take them. */
const gradsOf = (i: number, gs = grads) => gs.map((step) => step[i]);

/** Runs `steps` updates with the given gradients through a real backward: loss = sum_i sum(p_i * g_i). */
async function run(make: (params: wc.Tensor[]) => wc.optim.Optimizer, clip?: number | null, after?: (opt: wc.optim.Optimizer) => void): Promise<Float32Array[]> {
  const ps = p0.map((p, i) => wc.tensor(p, [sizes[i]], { requiresGrad: true }));
  const opt = make(ps);
  if (clip !== undefined) opt.clipGradNorm(clip);
  for (const g of grads) {
    wc.scope(() => ps.map((p, i) => wc.sum(wc.mul(p, wc.tensor(g[i], [sizes[i]])))).reduce((a, b) => wc.add(a, b)).backward());
    opt.step();
    opt.zeroGrad();
    after?.(opt);
  }
  const out = await Promise.all(ps.map((p) => p.data()));
  opt.dispose();
  ps.forEach((p) => p.dispose());
  return out;
}

/** Each parameter against its float64 reference run. */
function expectEach(got: Float32Array[], ref: (p: number[], gs: number[][]) => number[], gs = grads): void {
  got.forEach((g, i) => expectClose(g, ref(p0[i], gradsOf(i, gs)), { rtol: 1e-5, atol: 1e-6 }, `parameter ${i}`));
}

it.each([
  { lr: 0.1 },
  { lr: 0.05, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, nesterov: true },
  { lr: 0.1, momentum: 0.5, weightDecay: 0.01 },
])('SGD %j matches torch.optim.SGD', async (o) => {
  expectEach(await run((ps) => new wc.optim.SGD(ps, o)), (p, gs) => sgdRef(p, gs, o));
});

it.each([
  { lr: 1e-2 },
  { lr: 3e-3, betas: [0.8, 0.99] as [number, number], eps: 1e-6 },
  { lr: 1e-2, weightDecay: 0.1 },
])('Adam %j matches torch.optim.Adam', async (o) => {
  expectEach(await run((ps) => new wc.optim.Adam(ps, o)), (p, gs) => adamRef(p, gs, o));
});

it('AdamW decays the weights directly, with 0.01 by default', async () => {
  expectEach(await run((ps) => new wc.optim.AdamW(ps, { lr: 1e-2 })), (p, gs) => adamRef(p, gs, { lr: 1e-2, weightDecay: 0.01, decoupled: true }));
  expectEach(await run((ps) => new wc.optim.AdamW(ps, { lr: 1e-2, weightDecay: 0.3 })), (p, gs) => adamRef(p, gs, { lr: 1e-2, weightDecay: 0.3, decoupled: true }));
});

// The global norm of each step's gradients (both parameters) is about 10.5, each parameter's own about 2 and 10.
const globalNorms = grads.map((step) => Math.sqrt(step.flat().reduce((s, v) => s + v * v, 0)));

it.each([
  ['below every step\'s norm: every step is scaled', 4],
  ['between the steps\' norms: some steps are scaled, the others left alone', (Math.min(...globalNorms) + Math.max(...globalNorms)) / 2],
  ['above every step\'s norm: nothing is scaled', 100],
])('clips gradients by their global norm, %s', async (_, maxNorm) => {
  const clipped = grads.map((step, s) => {
    const f = Math.min(1, maxNorm / (globalNorms[s] + 1e-6));
    return step.map((g) => g.map((v) => v * f));
  });
  expectEach(await run((ps) => new wc.optim.SGD(ps, { lr: 0.1 }), maxNorm), (p, gs) => sgdRef(p, gs, { lr: 0.1 }), clipped);
});

it('clipGradNorm(null) turns clipping off; 0, negative or NaN limits are refused', async () => {
  const p = wc.zeros([1]);
  const opt = new wc.optim.SGD([p], { lr: 1 });
  for (const bad of [0, -1, NaN]) expect(() => opt.clipGradNorm(bad)).toThrow(/clipGradNorm: maxNorm .* must be positive/);
  opt.dispose();
  p.dispose();
  expectEach(await run((ps) => new wc.optim.SGD(ps, { lr: 0.1 }).clipGradNorm(0.5), null), (q, gs) => sgdRef(q, gs, { lr: 0.1 }));
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

it('a scheduler changes the step the kernel takes, not only opt.lr', async () => {
  // SGD with momentum: the learning rate multiplies the whole momentum buffer at each step (as in PyTorch).
  const lrs = [0.1, 0.1, 0.01, 0.01];
  let scheduler: wc.optim.LRScheduler | null = null;
  const got = await run((ps) => {
    const opt = new wc.optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
    scheduler = new wc.optim.LRScheduler(opt, wc.optim.stepDecay(0.1, 2, 0.1));
    return opt;
  }, undefined, () => scheduler!.step());
  const ref = (p: number[], gs: number[][]) => {
    const x = [...p];
    let buf = gs[0].map(() => 0);
    gs.forEach((g, t) => {
      buf = buf.map((b, i) => (t === 0 ? g[i] : 0.9 * b + g[i]));
      buf.forEach((b, i) => (x[i] -= lrs[t] * b));
    });
    return x;
  };
  expectEach(got, ref);
});
