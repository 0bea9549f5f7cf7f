/**
 * Launchers for shaders/depthwise.wgsl: direct depthwise convolution (groups = input channels), forward and
 * both gradients. src/ops/conv2d.ts uses them for every depthwise layer (see isDepthwise). They never touch the
 * autograd tape.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import type { ConvGeometry } from './conv-geometry';

const WORKGROUP = 64;

/** direct: this file's kernels; gemm: the grouped implicit GEMM of conv.wgsl (benchmarks compare the two). */
export type DepthwiseAlgorithm = 'direct' | 'gemm';
let algorithm: DepthwiseAlgorithm = 'direct';

/** Forces one algorithm for depthwise layers (benchmarks, tests); null restores the default, direct. */
export function setDepthwiseAlgorithm(a: DepthwiseAlgorithm | null): void {
  algorithm = a ?? 'direct';
}

/** Whether conv2d runs this convolution with the direct kernels: depthwise, one group per input channel. */
export function useDepthwise(g: ConvGeometry): boolean {
  return algorithm === 'direct' && g.groups > 1 && g.groups === g.C && g.O % g.C === 0;
}

function launch(entry: 'forward' | 'grad_input' | 'grad_weight', g: ConvGeometry, count: number, t: { x?: Tensor; w?: Tensor; bias?: Tensor | null; dy?: Tensor; out: Tensor }, relu = false): void {
  const rt = runtime();
  const bindings: Record<string, GPUBuffer | null> = { out: t.out.buffer };
  if (t.x) bindings.x = t.x.buffer;
  if (t.w) bindings.w = t.w.buffer;
  if (t.dy) bindings.dy = t.dy.buffer;
  if (entry === 'forward') bindings.bias = t.bias?.buffer ?? null;
  rt.launch({
    shader: 'depthwise',
    entry,
    constants: entry === 'forward' ? { WORKGROUP, BIAS: !!t.bias, RELU: relu } : { WORKGROUP },
    bindings,
    params: {
      count, N: g.N, C: g.C, H: g.H, W: g.W, O: g.O, P: g.P, Q: g.Q, KH: g.KH, KW: g.KW,
      SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, DH: g.DH, DW: g.DW, mult: g.O / g.C,
    },
    // grad_weight: a workgroup per weight; the others: an invocation per element
    workgroups: rt.grid1d(entry === 'grad_weight' ? count : Math.ceil(count / WORKGROUP)),
  });
}

/** out [N, O, P, Q] (+ bias, ReLU). */
export function depthwiseForward(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean): Tensor {
  const out = empty([g.N, g.O, g.P, g.Q]);
  launch('forward', g, out.size, { x, w, bias, out }, relu);
  return out;
}

/** dx [N, C, H, W]. */
export function depthwiseGradInput(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const dx = empty([g.N, g.C, g.H, g.W]);
  launch('grad_input', g, dx.size, { w, dy, out: dx });
  return dx;
}

/** dw [O, 1, KH, KW]. */
export function depthwiseGradWeight(dy: Tensor, x: Tensor, g: ConvGeometry): Tensor {
  const dw = empty([g.O, 1, g.KH, g.KW]);
  launch('grad_weight', g, dw.size, { x, dy, out: dw });
  return dw;
}
