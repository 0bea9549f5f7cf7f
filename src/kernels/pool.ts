/**
 * Launchers for shaders/pool.wgsl, and what maxPool2d and avgPool2d share: their options, the checks and the
 * output-size arithmetic (PyTorch's floor mode). They record nothing for autograd.
 */
import { expectTensor, empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';
import { formatShape } from '../shape';
import { fillKernel } from './elementwise';

/** Window, stride (default: the window) and zero padding of a 2-D pooling; a number is used for both sides. */
export interface Pool2dOptions {
  /** window height and width; one number for a square window */
  kernelSize: number | [number, number];
  /** step between windows; defaults to kernelSize */
  stride?: number | [number, number];
  /** implicit padding on each side, at most half the kernel; defaults to 0 */
  padding?: number | [number, number];
  /** size the output with ceil instead of floor (a last window may hang over the edge); default false */
  ceilMode?: boolean;
}

/** Everything the kernels need to know about one pooling: x: [n, c, h, w] -> [n, c, p, q]. */
export interface PoolGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  p: number;
  q: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  /** avgPool2d: padding counts in the divisor */
  countIncludePad: boolean;
}

const WORKGROUP = 64;

function pair(op: string, name: string, value: unknown, min: number): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  const ok = Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d >= min);
  if (!ok) {
    const what = min > 0 ? 'positive integer' : 'non-negative integer';
    throw new Error(`webgpu-cnn ${op}: ${name} must be a ${what} or a pair [h, w] of them, got ${JSON.stringify(value)}`);
  }
  return v as [number, number];
}

/**
 * Checks x and the options and works out the output size, throwing before anything reaches the GPU.
 * P = floor((H + 2 * padH - kernelH) / strideH) + 1, and the same for Q along the width. In ceil mode, ceil
 * instead, less one when the last window would start past the image and its left padding (PyTorch's rule).
 */
export function poolGeometry(op: string, x: Tensor, options: Pool2dOptions & { countIncludePad?: boolean }): PoolGeometry {
  expectTensor(op, 'x', x);
  if (x.shape.length !== 4) {
    throw new Error(`webgpu-cnn ${op}: expected x: [N, C, H, W] (rank 4), got ${formatShape(x.shape)}`);
  }
  const [n, c, h, w] = x.shape;
  if (c === 0 || h === 0 || w === 0) {
    throw new Error(`webgpu-cnn ${op}: expected x: [N, C, H, W] with non-zero C, H and W, got ${formatShape(x.shape)}`);
  }
  if (!options || options.kernelSize === undefined) {
    throw new Error(`webgpu-cnn ${op}: options.kernelSize is required (a positive integer or a pair [h, w])`);
  }
  const kernel = pair(op, 'kernelSize', options.kernelSize, 1);
  const stride = options.stride === undefined ? kernel : pair(op, 'stride', options.stride, 1);
  const padding = pair(op, 'padding', options.padding ?? 0, 0);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new Error(`webgpu-cnn ${op}: padding ${formatShape(padding)} must be at most half the kernel ${formatShape(kernel)}`);
  }
  const [p, q] = [0, 1].map((d) => {
    const span = [h, w][d] + 2 * padding[d] - kernel[d];
    if (!options.ceilMode) return Math.floor(span / stride[d]) + 1;
    const n = Math.ceil(span / stride[d]) + 1;
    return (n - 1) * stride[d] >= [h, w][d] + padding[d] ? n - 1 : n;
  });
  if (p < 1 || q < 1) {
    throw new Error(
      `webgpu-cnn ${op}: input ${formatShape(x.shape)} padded by ${formatShape(padding)} is ${h + 2 * padding[0]}x${w + 2 * padding[1]}, ` +
        `smaller than the kernel ${formatShape(kernel)}; the output would be empty`,
    );
  }
  return { n, c, h, w, p, q, kernel, stride, padding, countIncludePad: options.countIncludePad ?? true };
}

export const poolOutputShape = (g: PoolGeometry): number[] => [g.n, g.c, g.p, g.q];

let walkRows: boolean | null = null;

/** @internal Forces max_forward's row walk on or off (tests run both on SwiftShader); null restores the default. */
export function setMaxPoolRowWalk(on: boolean | null): void {
  walkRows = on;
  kernelChoices.changed();
}

/** max_forward walks whole output rows on CPU adapters (see WALK_ROWS in pool.wgsl), one element each elsewhere. */
export const rowsPerInvocation = (): boolean => walkRows ?? runtime().adapter.cpu;

export type PoolEntry = 'max_forward' | 'avg_forward' | 'max_backward' | 'max_backward_scatter' | 'avg_backward';

/**
 * Records one dispatch of shaders/pool.wgsl writing `count` elements (the output for a forward entry, the
 * input's gradient for a backward one), one invocation each, or `count` output rows for max_forward when
 * rowsPerInvocation(); `relu` fuses a ReLU into max_forward.
 */
export function launchPool(entry: PoolEntry, g: PoolGeometry, count: number, bindings: Record<string, Tensor>, relu = false): void {
  const rt = runtime();
  rt.launch({
    shader: 'pool',
    entry,
    constants: entry === 'max_forward' ? { WORKGROUP, RELU: relu, KERNEL_H: g.kernel[0], KERNEL_W: g.kernel[1], WALK_ROWS: rowsPerInvocation() } : { WORKGROUP },
    bindings: Object.fromEntries(Object.entries(bindings).map(([name, t]) => [name, t.buffer])),
    params: {
      count,
      H: g.h,
      W: g.w,
      P: g.p,
      Q: g.q,
      kernelH: g.kernel[0],
      kernelW: g.kernel[1],
      strideH: g.stride[0],
      strideW: g.stride[1],
      padH: g.padding[0],
      padW: g.padding[1],
      countIncludePad: g.countIncludePad ? 1 : 0,
    },
    workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
  });
}

/** @internal The gradient of a pooling with respect to its input, from dy: [n, c, p, q]. No autograd. */
export function poolBackward(entry: 'max_backward' | 'avg_backward', g: PoolGeometry, dy: Tensor, argmax?: Tensor): Tensor {
  if (entry === 'max_backward' && argmax && g.stride[0] >= g.kernel[0] && g.stride[1] >= g.kernel[1]) {
    // Disjoint windows: zero dx, then each output element writes its one gradient (see max_backward_scatter).
    const dx = fillKernel([g.n, g.c, g.h, g.w], 0);
    launchPool('max_backward_scatter', g, dy.size, { dy, argmax, dx });
    return dx;
  }
  const dx = empty([g.n, g.c, g.h, g.w]);
  launchPool(entry, g, dx.size, argmax ? { dy, argmax, dx } : { dy, dx });
  return dx;
}
