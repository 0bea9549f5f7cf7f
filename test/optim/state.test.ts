import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { adamRef, sgdRef } from '../reference/optim';
import { generator } from '../reference/array';

beforeAll(setup);

const next = generator(7);
const init = Array.from({ length: 9 }, () => next() * 2 - 1);
const grads = Array.from({ length: 4 }, () => Array.from({ length: 9 }, () => next() * 2 - 1));

function stepWith(opt: wc.optim.Optimizer, params: wc.Tensor[], g: number[]): void {
  wc.scope(() => params.forEach((p) => wc.sum(wc.mul(p, wc.tensor(g, [9]))).backward()));
  opt.step();
  opt.zeroGrad();
}

it('parameter groups keep their own learning rate (and their ratio under a schedule)', async () => {
  const trunk = wc.tensor(init, [9], { requiresGrad: true });
  const head = wc.tensor(init, [9], { requiresGrad: true });
  const opt = new wc.optim.SGD([{ params: [trunk], lr: 0.01 }, { params: [head] }], { lr: 0.1, momentum: 0.9 });
  expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.1]);
  for (const g of grads) stepWith(opt, [trunk, head], g);
  expectClose(await trunk.data(), sgdRef(init, grads, { lr: 0.01, momentum: 0.9 }), { rtol: 1e-5, atol: 1e-6 });
  expectClose(await head.data(), sgdRef(init, grads, { lr: 0.1, momentum: 0.9 }), { rtol: 1e-5, atol: 1e-6 });
  opt.lr = 0.005; // a schedule sets the first group's rate; the second keeps 10x
  expect(opt.paramGroups[1].lr).toBeCloseTo(0.05);
});

it('stateDict / loadStateDict resume Adam exactly where it was', async () => {
  const p = wc.tensor(init, [9], { requiresGrad: true });
  const opt = new wc.optim.Adam([p], { lr: 0.01 });
  for (const g of grads.slice(0, 2)) stepWith(opt, [p], g);
  const saved = opt.stateDict();
  expect(Object.keys(saved.state[0])).toEqual(['exp_avg', 'exp_avg_sq']);
  expect(saved.step).toBe(2);
  expect(saved.paramGroups).toEqual([{ lr: 0.01, params: [0] }]);

  // a fresh optimiser over a copy of the parameter, restored, takes the last two steps
  const q = wc.tensor(await p.data(), [9], { requiresGrad: true });
  const resumed = new wc.optim.Adam([q], { lr: 0.5 });
  resumed.loadStateDict(saved);
  expect(resumed.lr).toBe(0.01);
  for (const g of grads.slice(2)) stepWith(resumed, [q], g);
  expectClose(await q.data(), adamRef(init, grads, { lr: 0.01 }), { rtol: 1e-5, atol: 1e-6 });
  expect(() => new wc.optim.Adam([wc.zeros([3])]).loadStateDict(saved)).toThrow(/loadStateDict: parameter 0 needs "exp_avg" of shape \[3\], got \[9\]/);
});
