import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { startProfile, stopProfile } from '../../src/gpu/profile';
import { shaderConstants } from '../../src/gpu/shaders';
import { setup } from '../helpers';

beforeAll(setup);

it('times each kernel by its pipeline label while a profile is open, and nothing after', async () => {
  const timed = runtime().device.features.has('timestamp-query');
  if (!timed) {
    expect(() => startProfile()).toThrow(/timestamp-query/);
    return;
  }
  const a = wc.rand([64, 48], { seed: 1 });
  const b = wc.rand([48, 32], { seed: 2 });
  await a.data();
  startProfile();
  const y = wc.relu(wc.matmul(a, b));
  const values = await y.data();
  const kernels = await stopProfile();
  expect(values.length).toBe(64 * 32);
  const matmul = kernels.find((k) => k.kernel.startsWith('matmul'));
  const relu = kernels.find((k) => k.kernel.startsWith('elementwise.unary(') && k.kernel.includes(`OP=${shaderConstants('elementwise', ['RELU']).RELU},`));
  expect(matmul, JSON.stringify(kernels)).toBeDefined();
  expect(relu, JSON.stringify(kernels)).toBeDefined();
  for (const k of kernels) {
    expect(k.calls).toBeGreaterThan(0);
    expect(k.ms).toBeGreaterThanOrEqual(0);
  }
  expect([...kernels].sort((p, q) => q.ms - p.ms)).toEqual(kernels);
  // Profiling is off again: dispatches share a pass and stopProfile without a start is an error.
  expect(runtime().batch.profiler).toBeNull();
  await expect(stopProfile()).rejects.toThrow(/no profile/);
  [a, b, y].forEach((t) => t.dispose());
});
