/**
 * Launchers for shaders/reduce.wgsl: sums over any set of axes, scaled (a mean passes 1/count). They record
 * nothing for autograd.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { packDims, stridesOf, type Shape } from '../shape';

/** scale * sum of x over `axes`, into a new tensor of x's shape without those axes (or with them as 1). */
export function sumKernel(x: Tensor, axes: readonly number[], keepDims: boolean, scale = 1): Tensor {
  const reduced = new Set(axes);
  const shape = keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
  const out = empty(shape);
  sumInStages(x, axes, out, scale);
  return out;
}

/**
 * Splits x's axes into kept and reduced runs, merging neighbours of the same kind (and dropping size-1 axes)
 * so the kernel decomposes indices over as few dimensions as possible.
 */
function mergedDims(shape: Shape, reduced: Set<number>) {
  const strides = stridesOf(shape);
  const kept = { sizes: [] as number[], strides: [] as number[] };
  const red = { sizes: [] as number[], strides: [] as number[] };
  let last: typeof kept | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const group = reduced.has(i) ? red : kept;
    if (group === last) {
      // Row-major: the previous axis of this run is the outer one, so the run's stride is the inner stride.
      group.sizes[group.sizes.length - 1] *= d;
      group.strides[group.strides.length - 1] = strides[i];
    } else {
      group.sizes.push(d);
      group.strides.push(strides[i]);
    }
    last = group;
  });
  return { kept, red };
}

/**
 * One workgroup per output element parallelises badly when there are few outputs and many terms each (a bias
 * gradient: [N, C, H, W] summed to [C]). Then the innermost run of reduced axes is summed first, into a
 * temporary with one element per (outer, kept) pair, and the rest from there.
 */
function sumInStages(x: Tensor, axes: readonly number[], out: Tensor, scale: number): void {
  const sorted = [...axes].sort((a, b) => a - b);
  const count = sorted.reduce((n, a) => n * x.shape[a], 1);
  let run = 1;
  while (run < sorted.length && sorted[sorted.length - 1 - run] === sorted[sorted.length - run] - 1) run++;
  const inner = sorted.slice(sorted.length - run);
  if (out.size >= 256 || count <= 4096 || inner.length === sorted.length) {
    launchSum(x, new Set(axes), out, scale);
    return;
  }
  const partialShape = x.shape.filter((_, i) => !inner.includes(i));
  const partial = empty(partialShape);
  launchSum(x, new Set(inner), partial, 1);
  // Axes before the inner run keep their numbers once it is removed.
  launchSum(partial, new Set(sorted.slice(0, sorted.length - run)), out, scale);
  partial.dispose();
}

function launchSum(x: Tensor, reduced: Set<number>, out: Tensor, scale: number): void {
  const rt = runtime();
  const { kept, red } = mergedDims(x.shape, reduced);
  const reduceCount = red.sizes.reduce((a, b) => a * b, 1);
  // Up to a few thousand terms, one invocation per output sums them in a loop: barriers cost more than the
  // loop on CPU adapters. Longer sums get a workgroup each (sumInStages keeps those outputs numerous).
  const serial = reduceCount <= 4096;
  const workgroup = serial ? 64 : Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(reduceCount, 1))));
  rt.launch({
    shader: 'reduce',
    entry: serial ? 'serial' : 'sum',
    constants: { WORKGROUP: workgroup },
    bindings: { x: x.buffer, out: out.buffer },
    params: {
      outCount: out.size,
      reduceCount,
      outerRank: kept.sizes.length,
      redRank: red.sizes.length,
      scale,
      outerSizes: packDims(kept.sizes),
      outerStrides: packDims(kept.strides),
      redSizes: packDims(red.sizes),
      redStrides: packDims(red.strides),
    },
    workgroups: rt.grid1d(serial ? Math.ceil(out.size / workgroup) : out.size),
  });
}
