import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import { binaryKernel } from '../kernels/elementwise';
import { convAlgorithm, convForward, convGradInput, convGradWeight, type ConvGeometry } from '../kernels/conv';
import { im2colForward, im2colGradInput, im2colGradWeight } from '../kernels/im2col';
import { useDepthwise, depthwiseForward, depthwiseGradInput, depthwiseGradWeight } from '../kernels/depthwise';
import { useWinograd, useWinogradGradInput, winogradConv, winogradGradInput } from '../kernels/winograd';
import { sumAxes } from './sum';
import { reshape } from './reshape';

type Pair = number | [number, number];

/** Options of `conv2d`: a number applies to both height and width, a pair is `[h, w]`. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** spacing between the kernel's taps (1: none) */
  dilation?: Pair;
  /** channel groups: w is [O, C / groups, KH, KW]; groups = C is a depthwise convolution */
  groups?: number;
  /** fuse a ReLU into the output (and its gradient into backward) */
  relu?: boolean;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * 2-D convolution (cross-correlation, as in PyTorch).
 * x: [N, C, H, W], w: [O, C/G, KH, KW], b: [O] -> [N, O, P, Q], P = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1.
 * With g(o) the group of output channel o and c over that group's input channels:
 *   out[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, c, p SH - PH + i DH, q SW - PW + j DW]
 *   dx[n, c, h, w'] = sum_{o, i, j} w[o, c, i, j] dy[n, o, p, q]   over p SH - PH + i DH = h, q SW - PW + j DW = w'
 *   dw[o, c, i, j]  = sum_{n, p, q} dy[n, o, p, q] x[n, c, p SH - PH + i DH, q SW - PW + j DW]
 *   db[o]           = sum_{n, p, q} dy[n, o, p, q]
 * With the ReLU fused, dy is first masked where the output is not positive. GPUs run implicit-GEMM kernels,
 * CPU adapters explicit patches (im2col), except for dilation and groups, which only the former handles.
 * Depthwise layers (groups = C) run direct kernels instead, on every adapter (kernels/depthwise.ts).
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  expectTensor('conv2d', 'x', x);
  expectTensor('conv2d', 'w', w);
  if (b != null) expectTensor('conv2d', 'b', b);
  const bias = b ?? null;
  const g = convGeometry(x, w, bias, options);
  const depthwise = useDepthwise(g);
  const implicit = convAlgorithm() === 'implicit' || g.DH !== 1 || g.DW !== 1 || g.groups !== 1;
  const relu = !!options.relu;
  const out = depthwise ? depthwiseForward(x, w, bias, g, relu)
    : useWinograd(g) ? winogradConv(x, w, bias, g, relu)
    : implicit ? convForward(x, w, bias, g, relu) : im2colForward(x, w, bias, g, relu);
  if (!needsGrad(x, w, bias)) return output('conv2d', out);
  const sx = save(x);
  const sw = save(w);
  const sout = options.relu ? save(out) : null;
  const biasGrad = !!bias?.requiresGrad;
  return record('conv2d', out, [x, w, bias], (dyIn) => {
    // d relu(z)/dz = 1 where the output is positive.
    const dy = sout ? binaryKernel('conv2d', sout, dyIn, 'RELU_GRAD') : dyIn;
    // im2col's weight gradient brings the bias gradient along (a column of its GEMM). The thunks run in order,
    // the weight's first; without it (a frozen weight) the bias gradient is a sum of its own.
    let db: Tensor | null = null;
    const gradWeight = () => {
      if (depthwise) return depthwiseGradWeight(dy, sx, g);
      if (implicit) return convGradWeight(dy, sx, g);
      const grads = im2colGradWeight(dy, sx, g, biasGrad);
      db = grads.db;
      return grads.dw;
    };
    return [
      () => (depthwise ? depthwiseGradInput(dy, sw, g)
        : useWinogradGradInput(g) ? winogradGradInput(dy, sw, g)
        : implicit ? convGradInput(dy, sw, g) : im2colGradInput(dy, sw, g)),
      gradWeight,
      () => db ?? reshape(sumAxes(dy, [0, 2, 3], false), [g.O]),
    ];
  }, sout ? [sx, sw, sout] : [sx, sw]);
}

function convGeometry(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions): ConvGeometry {
  const fail = (why: string) =>
    new Error(`webgpu-cnn conv2d: ${why} (x: ${formatShape(x.shape)}, w: ${formatShape(w.shape)}${b ? `, b: ${formatShape(b.shape)}` : ''})`);
  if (x.shape.length !== 4) throw fail('x must be [N, C, H, W]');
  if (w.shape.length !== 4) throw fail('w must be [O, C / groups, KH, KW]');
  const [N, C, H, W] = x.shape;
  const [O, Cw, KH, KW] = w.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw fail(`groups ${JSON.stringify(options.groups)} must be a positive integer`);
  if (C % groups !== 0 || O % groups !== 0) throw fail(`groups ${groups} must divide both the ${C} input and the ${O} output channels`);
  if (Cw !== C / groups) {
    throw fail(groups === 1 ? `w has ${Cw} input channels, x has ${C}` : `w has ${Cw} input channels per group; x's ${C} channels in ${groups} groups need ${C / groups}`);
  }
  if (KH < 1 || KW < 1) throw fail(`the kernel must be at least 1x1, got ${KH}x${KW}`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== O)) throw fail(`b must be [${O}]`);
  const [SH, SW] = pair(options.stride ?? 1);
  const [PH, PW] = pair(options.padding ?? 0);
  const [DH, DW] = pair(options.dilation ?? 1);
  if (![SH, SW].every((s) => Number.isInteger(s) && s >= 1)) throw fail(`stride ${JSON.stringify(options.stride)} must be positive integers`);
  if (![PH, PW].every((p) => Number.isInteger(p) && p >= 0)) throw fail(`padding ${JSON.stringify(options.padding)} must be non-negative integers`);
  if (![DH, DW].every((d) => Number.isInteger(d) && d >= 1)) throw fail(`dilation ${JSON.stringify(options.dilation)} must be positive integers`);
  const P = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  if (P < 1 || Q < 1) throw fail(`the ${KH}x${KW} kernel${DH * DW > 1 ? ` (dilation ${DH},${DW})` : ''} does not fit the ${H}x${W} image with padding ${PH},${PW}`);
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, groups, P, Q };
}
