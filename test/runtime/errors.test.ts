import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { runtime } from '../../src/gpu/runtime';
import { setup } from '../helpers';

beforeAll(setup);

it('a WGSL compile error names the shader file, line and column', async () => {
  const rt = runtime();
  const broken = [
    { file: 'shaders/strided.wgsl', code: '// fine\nfn ok() -> u32 { return 1u; }' },
    { file: 'shaders/broken.wgsl', code: '@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = 1.5;\n}' },
  ];
  const mod = rt.pipelines.module('broken', broken);
  await expect(mod.compiled).rejects.toThrow(/shaders\/broken\.wgsl:3:\d+: .*/);
  // The same error surfaces at the next readback instead of passing silently.
  await expect(wc.zeros([1]).data()).rejects.toThrow(/broken\.wgsl:3/);
  await wc.zeros([1]).data(); // reported once, then the engine carries on
});

it('bad input is rejected before anything reaches the GPU, naming the op and shapes', () => {
  expect(() => wc.tensor([1, 2, 3], [2, 2])).toThrow(/tensor: 3 values do not fill shape \[2, 2\]/);
  expect(() => wc.zeros([2, -1])).toThrow(/full: shape \[2,-1\]/);
  const a = wc.zeros([2, 3]);
  const b = wc.zeros([4, 3]);
  expect(() => wc.add(a, b)).toThrow(/add: shapes \[2, 3\] and \[4, 3\] do not broadcast/);
  expect(() => wc.reshape(a, [4, -1])).toThrow(/reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, -1\]/);
  expect(() => wc.sum(wc.sum(a)).backward()).toThrow(/does not depend on anything that requires grad/);
});

it('scope refuses async functions', () => {
  expect(() => wc.scope((async () => 1) as never)).toThrow(/synchronous/);
});
