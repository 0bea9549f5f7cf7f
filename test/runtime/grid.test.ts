/**
 * Problems longer than one grid dimension: WebGPU allows at most 65,535 workgroups per dimension, so a kernel
 * with one invocation per element and 256 per workgroup folds anything over 16.7M elements onto a 2-D grid
 * (Runtime.grid1d), and the shader unfolds it (grid.wgsl's flatId). rand is such a kernel, and its values are
 * known exactly from the index, so a dropped or repeated row of workgroups shows.
 */
import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { setup } from '../helpers';
import { pcg } from '../reference/random';

beforeAll(setup);

const f = Math.fround;

it('a tensor over 65,535 x 256 elements is filled everywhere, each element from its own index', async () => {
  const max = runtime().device.limits.maxComputeWorkgroupsPerDimension;
  // 2.5 rows of workgroups on the folded grid, ending mid-workgroup
  const n = Math.floor(max * 256 * 2.5) + 77;
  expect(runtime().grid1d(Math.ceil(n / 256))[1]).toBeGreaterThan(1);
  const seed = 77;
  const t = wc.rand([n], { seed });
  const values = await t.data();
  t.dispose();
  // Every element exactly (a pooled buffer's stale contents, a zero, a neighbour's value all differ). With 42M
  // draws some hash has its top 24 bits set: 16777215.5 rounds up to 2^24 in float32, and the shader's clamp
  // must keep u below 1, as rand promises [0, 1).
  const key = pcg(seed);
  let clamped = 0;
  for (let i = 0; i < n; i++) {
    const bits = pcg((key ^ pcg(2 * i)) >>> 0) >>> 8;
    if (bits === 0xffffff) clamped++;
    const u = Math.min(f(f(bits + 0.5) / 16777216), 1 - 2 ** -24);
    if (values[i] !== u) throw new Error(`element ${i} of ${n}: got ${values[i]}, expected ${u}`);
  }
  expect(clamped).toBeGreaterThan(0);
}, 120_000);
