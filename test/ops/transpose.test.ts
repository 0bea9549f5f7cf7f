import { beforeAll, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { checkOp, setup } from '../helpers';
import type { NdArray } from '../reference/array';

beforeAll(setup);

/** numpy.transpose by nested index arithmetic: out[i0, i1, ...] = x[j] where j's axis perm[d] is i_d. */
function transposeRef(x: NdArray, perm: number[]): NdArray {
  const shape = perm.map((p) => x.shape[p]);
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float64Array(x.data.length);
  const index = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    out[o] = x.data[index.reduce((s, v, d) => s + v * strides[perm[d]], 0)];
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return { data: out, shape };
}

// Permutations that are not their own inverse (a 3-cycle, a 4-cycle), so a backward that transposes dy by perm
// instead of its inverse fails; the default reverses the axes.
it.each([
  [[3, 5], [1, 0]],
  [[2, 3, 4], [1, 2, 0]],
  [[2, 3, 4, 5], [3, 0, 1, 2]],
  [[2, 1, 3, 4], [0, 2, 1, 3]],
  // 1,155 elements: invocations start mid-row of the output's innermost 11 and carry through all four axes
  [[5, 7, 3, 11], [3, 1, 0, 2]],
])('transpose %j by %j, forward and gradient', async (shape, perm) => {
  await checkOp({ shapes: [shape], ours: (x) => wc.transpose(x, perm), ref: (x) => transposeRef(x, perm) });
});

it('reverses the axes by default and rejects what is not a permutation', async () => {
  await checkOp({ shapes: [[2, 3, 4]], ours: (x) => wc.transpose(x), ref: (x) => transposeRef(x, [2, 1, 0]) });
  const x = wc.zeros([2, 3]);
  expect(() => wc.transpose(x, [0, 0])).toThrow(/transpose: \[0,0\] is not a permutation of the axes of \[2, 3\]/);
  expect(() => wc.transpose(x, [1])).toThrow(/is not a permutation/);
  x.dispose();
});
