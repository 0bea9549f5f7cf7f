import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { softplus } from '../../src/ops/softplus';
import { checkOp, expectClose, setup } from '../helpers';
import { activationRefs, unaryRef } from '../reference/elementwise';

beforeAll(setup);

const ours: Record<keyof typeof activationRefs, (x: wc.Tensor) => wc.Tensor> = {
  gelu: (x) => wc.gelu(x),
  geluTanh: (x) => wc.gelu(x, { approximate: 'tanh' }),
  leakyRelu: (x) => wc.leakyRelu(x),
  leakyRelu02: (x) => wc.leakyRelu(x, 0.2),
  silu: (x) => wc.silu(x),
  hardswish: (x) => wc.hardswish(x),
  softplus: (x) => softplus(x),
};

// [-5, 5] reaches both of hardswish's flat parts; odd sizes cover a partial last invocation.
it.each(Object.keys(activationRefs) as Array<keyof typeof activationRefs>)('%s on [3, 7, 5]', async (name) => {
  await checkOp({ shapes: [[3, 7, 5]], ours: ours[name], ref: (x) => unaryRef(activationRefs[name], x), range: [-5, 5], atol: 2e-6, rtol: 2e-5 });
});

it('softplus stays finite for large inputs', async () => {
  const y = softplus(wc.tensor([-200, 200, 0]));
  const v = await y.data();
  expect(Array.from(v)).toEqual([0, 200, Math.fround(Math.log(2))]);
});

it('modules wrap them with PyTorch names', async () => {
  const x = wc.tensor([-2, 0.5], [2]);
  const check = async (m: wc.nn.Module, f: (v: number) => number) => expectClose(await m.forward(x).data(), [-2, 0.5].map(f));
  await check(new wc.nn.LeakyReLU(0.1), (v) => (v > 0 ? v : 0.1 * v));
  await check(new wc.nn.Hardswish(), activationRefs.hardswish);
  expect(() => wc.gelu(x, { approximate: 'fast' as 'tanh' })).toThrow(/gelu: approximate must be 'none' or 'tanh'/);
});
