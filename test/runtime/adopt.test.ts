/**
 * init({ device }) adopts an application's own GPUDevice, and GPU validation errors that nobody captured (here
 * raised straight on that device, as an app sharing it might) are reported at the next sync instead of passing
 * silently. Device loss and re-init are tested with the reliability tests.
 */
import { expect, it } from 'vitest';
import * as wc from '../../src/index';
import { acquireDevice } from '../../src/gpu/device';
import { runtime } from '../../src/gpu/runtime';
import { expectClose } from '../helpers';

it('init({ device }) runs the engine on the app\'s device, and reports its uncaptured validation errors', async () => {
  const { device } = await acquireDevice();
  const adapter = await wc.init({ device });
  expect(runtime().device).toBe(device);
  expect(adapter.features).toEqual([...device.features].map(String));

  const a = wc.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = wc.tensor([1, 0, -1, 2, 0.5, 1], [3, 2]);
  const c = wc.matmul(a, b);
  expectClose(await c.data(), [0.5, 7, 2, 16]);

  // MAP_READ may only be combined with COPY_DST: a validation error, raised outside any error scope.
  device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  await expect(wc.sync()).rejects.toThrow(/^webgpu-cnn: GPU error: .*/);
  // reported once; the engine carries on on the same device
  await wc.sync();
  expectClose(await wc.add(c, c).data(), [1, 14, 4, 32]);
  [a, b, c].forEach((t) => t.dispose());
});
