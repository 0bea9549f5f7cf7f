/**
 * Our optimisers against torch.optim itself: test/fixtures/optim-trajectories.json holds the parameters after
 * each of 4 steps of PyTorch's SGD (momentum, Nesterov, weight decay, clipping, StepLR), Adam and AdamW from the
 * same start and gradients, written by test/fixtures/make-optim-trajectories.py. The float64 formulas in
 * test/reference/optim.ts are ours; this pins them, and the kernels, to what PyTorch actually does.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';

beforeAll(setup);

interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  clip?: number;
  step_lr?: [number, number];
  trajectory: number[][][];
}
const fixture: { shapes: number[][]; params: number[][]; grads: number[][][]; cases: Case[] } = JSON.parse(
  readFileSync(new URL('../fixtures/optim-trajectories.json', import.meta.url), 'utf8'),
);

function make(c: Case, params: wc.Tensor[]): wc.optim.Optimizer {
  const o = c.options as { lr: number };
  if (c.optimizer === 'SGD') return new wc.optim.SGD(params, o);
  if (c.optimizer === 'Adam') return new wc.optim.Adam(params, o);
  return new wc.optim.AdamW(params, o);
}

it('the fixture covers every optimiser and option the tests below claim', () => {
  expect(fixture.cases.map((c) => c.name)).toEqual([
    'sgd', 'sgd-momentum', 'sgd-nesterov', 'sgd-weight-decay', 'adam', 'adam-betas-eps', 'adam-weight-decay',
    'adamw', 'adamw-weight-decay', 'sgd-clip', 'sgd-clip-above-norm', 'sgd-step-lr',
  ]);
  expect(fixture.shapes).toEqual([[3, 5], [300]]);
});

it.each(fixture.cases.map((c) => [c.name, c] as const))('%s follows torch.optim step by step', async (_, c) => {
  const params = fixture.params.map((p, i) => wc.tensor(p, fixture.shapes[i], { requiresGrad: true }));
  const opt = make(c, params);
  if (c.clip !== undefined) opt.clipGradNorm(c.clip);
  const scheduler = c.step_lr ? new wc.optim.LRScheduler(opt, wc.optim.stepDecay((c.options as { lr: number }).lr, ...c.step_lr)) : null;
  try {
    for (let step = 0; step < fixture.grads.length; step++) {
      // loss = sum_i sum(p_i * g_i) has gradient g_i for p_i: the same gradients PyTorch's run was given
      wc.scope(() => {
        const terms = params.map((p, i) => wc.sum(wc.mul(p, wc.tensor(fixture.grads[step][i], fixture.shapes[i]))));
        terms.reduce((a, b) => wc.add(a, b)).backward();
      });
      opt.step();
      opt.zeroGrad();
      scheduler?.step();
      for (let i = 0; i < params.length; i++) {
        expectClose(await params[i].data(), c.trajectory[step][i], { rtol: 1e-5, atol: 1e-6 }, `${c.name} step ${step + 1} parameter ${i}`);
      }
    }
  } finally {
    opt.dispose();
    params.forEach((p) => p.dispose());
  }
});
