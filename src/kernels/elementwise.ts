/**
 * Launchers for shaders/elementwise.wgsl (unary, binary with broadcasting, fill, axis permutations) and plain
 * buffer copies. They record nothing for autograd. Operation codes come from the shader's own `const`
 * declarations, read once when this module loads.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { shaderConstants } from '../gpu/shaders';
import { broadcastShapes, broadcastStrides, mergeDims, packDims, sizeOf, stridesOf, MAX_RANK, type Shape } from '../shape';

const UNARY = shaderConstants('elementwise', ['RELU', 'SIGMOID', 'TANH', 'NEG', 'AFFINE', 'GELU', 'GELU_TANH', 'LEAKY_RELU', 'SILU', 'HARDSWISH', 'SOFTPLUS']);
const BINARY = shaderConstants('elementwise', [
  'ADD', 'SUB', 'MUL', 'DIV', 'RELU_GRAD', 'SIGMOID_GRAD', 'TANH_GRAD',
  'GELU_GRAD', 'GELU_TANH_GRAD', 'LEAKY_RELU_GRAD', 'SILU_GRAD', 'HARDSWISH_GRAD', 'SOFTPLUS_GRAD',
]);
export type UnaryCode = Exclude<keyof typeof UNARY, 'AFFINE'>;
export type BinaryCode = keyof typeof BINARY;

const WORKGROUP = 256;
/**
 * Elements per invocation of the kernels that walk consecutive elements (these, batch norm's per-element ones,
 * cross-entropy's gradient). CPU drivers pay per invocation, and run divisions (splitting an index into
 * coordinates) lane by lane: on SwiftShader a ReLU of 2M elements took 12.8 ms with 16 per invocation instead of
 * 18.8 with 4, and [16, 32, 64, 64] + [1, 32, 1, 1] 36-38 ms with 32 instead of 100. GPUs keep 4, invocations
 * enough for every core.
 */
export function itemsPerInvocation(broadcast = false): number {
  return runtime().adapter.cpu ? (broadcast ? 32 : 16) : 4;
}

function launch(entry: 'unary' | 'binary' | 'fill', op: number, out: Tensor, inputs: { a?: Tensor; b?: Tensor }, broadcast: boolean, params: { alpha?: number; beta?: number; shape?: Shape; aStrides?: number[]; bStrides?: number[] }) {
  const rt = runtime();
  const bindings: Record<string, GPUBuffer> = { out: out.buffer };
  if (inputs.a) bindings.a = inputs.a.buffer;
  if (inputs.b) bindings.b = inputs.b.buffer;
  const walk = broadcast
    ? mergeDims(params.shape ?? [], [params.aStrides ?? [], ...(inputs.b ? [params.bStrides ?? []] : [])])
    : { shape: [], strides: [[], []] };
  const shape = walk.shape;
  const ITEMS = itemsPerInvocation(broadcast);
  rt.launch({
    shader: 'elementwise',
    entry,
    constants: entry === 'fill' ? { WORKGROUP, ITEMS } : { OP: op, BROADCAST: broadcast, WORKGROUP, ITEMS },
    bindings,
    params: {
      count: out.size,
      rank: shape.length,
      alpha: params.alpha ?? 1,
      beta: params.beta ?? 0,
      shape: packDims(shape),
      aStrides: packDims(walk.strides[0] ?? []),
      bStrides: packDims(walk.strides[1] ?? []),
    },
    workgroups: rt.grid1d(Math.ceil(out.size / (WORKGROUP * ITEMS))),
  });
}

/** out = f(x), elementwise; `alpha` is LEAKY_RELU's slope. */
export function unaryKernel(x: Tensor, code: UnaryCode, alpha?: number): Tensor {
  const out = empty(x.shape);
  launch('unary', UNARY[code], out, { a: x }, false, { alpha });
  return out;
}

/** out = alpha * x + beta, elementwise. */
export function affineKernel(x: Tensor, alpha: number, beta: number): Tensor {
  const out = empty(x.shape);
  launch('unary', UNARY.AFFINE, out, { a: x }, false, { alpha, beta });
  return out;
}

/** out = alpha * broadcast(x) to `shape` (which x must broadcast to). */
export function broadcastKernel(x: Tensor, shape: Shape, alpha = 1): Tensor {
  const out = empty(shape);
  launch('unary', UNARY.AFFINE, out, { a: x }, true, {
    alpha,
    shape,
    aStrides: broadcastStrides(x.shape, shape),
  });
  return out;
}

/** out[i_perm[0], i_perm[1], ...] = x[i_0, i_1, ...]: x with its axes reordered (out axis d is x axis perm[d]). */
export function permuteKernel(x: Tensor, perm: readonly number[]): Tensor {
  const strides = stridesOf(x.shape);
  const shape = perm.map((a) => x.shape[a]);
  const out = empty(shape);
  launch('unary', UNARY.AFFINE, out, { a: x }, true, {
    shape,
    aStrides: perm.map((a) => strides[a]),
  });
  return out;
}

/** out = g(a, b) with NumPy broadcasting; `op` names the public op in errors; `alpha` is LEAKY_RELU_GRAD's slope. */
export function binaryKernel(op: string, a: Tensor, b: Tensor, code: BinaryCode, alpha?: number): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  if (shape.length > MAX_RANK) throw new Error(`webgpu-cnn ${op}: tensors of rank ${shape.length} exceed the supported rank ${MAX_RANK}`);
  const out = empty(shape);
  const same = sizeOf(a.shape) === out.size && sizeOf(b.shape) === out.size;
  launch('binary', BINARY[code], out, { a, b }, !same, {
    alpha,
    shape,
    aStrides: broadcastStrides(a.shape, shape),
    bStrides: broadcastStrides(b.shape, shape),
  });
  return out;
}

export function fillKernel(shape: Shape, value: number): Tensor {
  const out = empty(shape);
  // Zeros are the buffer clear WebGPU has built in (a memset on SwiftShader). Not for -0: clearing writes +0.
  if (Object.is(value, 0)) {
    if (out.size > 0) runtime().batch.clear(out.buffer, out.size * 4);
  } else {
    launch('fill', 0, out, {}, false, { alpha: value });
  }
  return out;
}

/** Copies `count` elements of `src` from element `srcOffset` into `dst` at `dstOffset`, in recording order. */
export function copyElements(src: Tensor, dst: Tensor, count: number, srcOffset = 0, dstOffset = 0): void {
  if (count > 0) runtime().batch.copy(src.buffer, dst.buffer, count * 4, srcOffset * 4, dstOffset * 4);
}
