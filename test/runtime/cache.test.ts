import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { setup } from '../helpers';

beforeAll(setup);

it('repeated ops reuse pipelines, uniform buffers and bind groups', async () => {
  const step = () =>
    wc.scope(() => {
      const a = wc.rand([33, 17], { seed: 1 });
      const b = wc.rand([17, 9], { seed: 2 });
      const c = wc.relu(wc.add(wc.matmul(a, b), wc.ones([9])));
      return wc.mean(c);
    });
  const first = step();
  await first.data();
  first.dispose();
  const rt = runtime();
  const pipelines = rt.pipelines.pipelinesCreated;
  const uniforms = rt.uniforms.created;
  const buffers = rt.pool.stats.buffersCreated;
  for (let i = 0; i < 20; i++) step().dispose();
  const last = step();
  await last.data();
  last.dispose();
  expect(rt.pipelines.pipelinesCreated).toBe(pipelines);
  expect(rt.uniforms.created).toBe(uniforms);
  expect(rt.pool.stats.buffersCreated).toBe(buffers);
});

it('batches dispatches into one submit until a result is read', async () => {
  const rt = runtime();
  await wc.zeros([1]).data();
  const before = rt.batch.submits;
  const x = wc.rand([64], { seed: 3 });
  let y = x;
  for (let i = 0; i < 50; i++) y = wc.tanh(y);
  expect(rt.batch.submits).toBe(before);
  await y.data();
  expect(rt.batch.submits).toBe(before + 1);
});
