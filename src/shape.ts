/** Shape arithmetic shared by ops: sizes, row-major strides, broadcasting, checks with readable errors. */

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`webgpu-cnn ${op}: shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  }
}

/** NumPy broadcasting: align from the right; each pair of sizes must match or one must be 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`webgpu-cnn ${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading `shape` as if it had `outShape` (right-aligned), with 0 where it is broadcast. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((d, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/**
 * The same strided walk over `shape` in fewer dimensions: size-1 dimensions dropped, and each dimension merged
 * into the one outside it wherever every operand steps through the pair as through one (its stride there is the
 * inner stride times the inner size). [16, 10, 64, 64] read with strides [40960, 4096, 64, 1] and
 * [4096, 0, 64, 1] becomes [16, 10, 4096]: kernels split a flat index over 3 dimensions instead of 4.
 */
export function mergeDims(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const sizes: number[] = [];
  const merged = strides.map((): number[] => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = sizes.length - 1;
    if (last >= 0 && strides.every((s, k) => merged[k][last] === s[i] * d)) {
      sizes[last] *= d;
      strides.forEach((s, k) => { merged[k][last] = s[i]; });
    } else {
      sizes.push(d);
      strides.forEach((s, k) => merged[k].push(s[i]));
    }
  });
  if (sizes.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: sizes, strides: merged };
}

/** The axes of `outShape` along which `shape` was broadcast (to sum a gradient back to `shape`). */
export function broadcastAxes(shape: Shape, outShape: Shape): number[] {
  const offset = outShape.length - shape.length;
  const axes: number[] = [];
  outShape.forEach((d, i) => {
    const j = i - offset;
    if (j < 0 || (shape[j] === 1 && d !== 1)) axes.push(i);
  });
  return axes;
}

export function normaliseAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`webgpu-cnn ${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

export const MAX_RANK = 8;

/** Sizes or strides as kernels take them (shaders/strided.wgsl): innermost dimension first, padded to 8. */
export function packDims(values: readonly number[]): number[] {
  return [...values].reverse().concat(new Array<number>(MAX_RANK - values.length).fill(1));
}
