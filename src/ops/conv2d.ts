import type { Tensor } from '../tensor';
import { record, save, needsGrad } from '../autograd/tape';
import { formatShape } from '../shape';
import { binaryKernel } from '../kernels/elementwise';
import { im2colForward, im2colGradInput, im2colGradWeight, type ConvGeometry } from '../kernels/im2col';
import { sumAxes } from './sum';
import { reshape } from './reshape';

/** Options of `conv2d`: a number applies to both height and width, a pair is `[h, w]`. */
export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** fuse a ReLU into the output (and its gradient into backward) */
  relu?: boolean;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * 2-D convolution (cross-correlation, as in PyTorch).
 * x: [N, C, H, W], w: [O, C, KH, KW], b: [O] -> [N, O, P, Q], P = floor((H + 2 PH - KH) / SH) + 1 (Q alike).
 *
 *   out[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, c, p SH - PH + i, q SW - PW + j]
 *   dx[n, c, h, w'] = sum_{o, i, j} w[o, c, i, j] dy[n, o, p, q]   over p SH - PH + i = h, q SW - PW + j = w'
 *   dw[o, c, i, j]  = sum_{n, p, q} dy[n, o, p, q] x[n, c, p SH - PH + i, q SW - PW + j]
 *   db[o]           = sum_{n, p, q} dy[n, o, p, q]
 * With the ReLU fused, dy is first masked where the output is not positive.
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const bias = b ?? null;
  const g = convGeometry(x, w, bias, options);
  const out = im2colForward(x, w, bias, g, !!options.relu);
  if (!needsGrad(x, w, bias)) return out;
  const sx = save(x);
  const sw = save(w);
  const sout = options.relu ? save(out) : null;
  return record('conv2d', out, [x, w, bias], (dyIn) => {
    // d relu(z)/dz = 1 where the output is positive.
    const dy = sout ? binaryKernel('conv2d', sout, dyIn, 'RELU_GRAD') : dyIn;
    return [
      () => im2colGradInput(dy, sw, g),
      () => im2colGradWeight(dy, sx, g),
      () => reshape(sumAxes(dy, [0, 2, 3], false), [g.O]),
    ];
  }, sout ? [sx, sw, sout] : [sx, sw]);
}

function convGeometry(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions): ConvGeometry {
  const fail = (why: string) =>
    new Error(`webgpu-cnn conv2d: ${why} (x: ${formatShape(x.shape)}, w: ${formatShape(w.shape)}${b ? `, b: ${formatShape(b.shape)}` : ''})`);
  if (x.shape.length !== 4) throw fail('x must be [N, C, H, W]');
  if (w.shape.length !== 4) throw fail('w must be [O, C, KH, KW]');
  const [N, C, H, W] = x.shape;
  const [O, Cw, KH, KW] = w.shape;
  if (Cw !== C) throw fail(`w has ${Cw} input channels, x has ${C}`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== O)) throw fail(`b must be [${O}]`);
  const [SH, SW] = pair(options.stride ?? 1);
  const [PH, PW] = pair(options.padding ?? 0);
  if (![SH, SW].every((s) => Number.isInteger(s) && s >= 1)) throw fail(`stride ${JSON.stringify(options.stride)} must be positive integers`);
  if (![PH, PW].every((p) => Number.isInteger(p) && p >= 0)) throw fail(`padding ${JSON.stringify(options.padding)} must be non-negative integers`);
  const P = Math.floor((H + 2 * PH - KH) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - KW) / SW) + 1;
  if (P < 1 || Q < 1) throw fail(`the ${KH}x${KW} kernel does not fit the ${H}x${W} image with padding ${PH},${PW}`);
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, P, Q };
}
