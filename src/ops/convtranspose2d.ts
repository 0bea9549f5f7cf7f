import { expectTensor, type Tensor } from '../tensor';
import { record, save, needsGrad, output } from '../autograd/tape';
import { formatShape } from '../shape';
import { binaryKernel } from '../kernels/elementwise';
import { convAlgorithm, convForward, convGradInput, convGradWeight, type ConvGeometry } from '../kernels/conv';
import { im2colForward, im2colGradInput, im2colGradWeight } from '../kernels/im2col';
import { sumAxes } from './sum';
import { reshape } from './reshape';

type Pair = number | [number, number];

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** extra rows and columns on the bottom and right of the output, less than the stride or the dilation */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * Transposed convolution, like torch.nn.functional.conv_transpose2d: the input gradient of a conv2d.
 * x: [N, Cin, H, W], w: [Cin, Cout/G, KH, KW] (PyTorch's layout), b: [Cout] -> [N, Cout, Hout, Wout] with
 *   Hout = (H - 1) SH - 2 PH + DH (KH - 1) + outputPaddingH + 1   (Wout likewise).
 * Seen as the adjoint of the conv2d c(z) = conv2d(z, w) that maps [N, Cout, Hout, Wout] to [N, Cin, H, W]:
 *   y = c^T(x) + b,   so   dx = c(dy) (a conv2d forward),   dw = the weight gradient of c for output gradient x
 *   and input dy,   db = sum_{n, h, w} dy.
 * So the three kernels of conv2d run in other roles and no new kernel is needed.
 */
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  expectTensor('convTranspose2d', 'x', x);
  expectTensor('convTranspose2d', 'w', w);
  const bias = b ?? null;
  const g = adjointGeometry(x, w, bias, options);
  const implicit = convAlgorithm() === 'implicit' || g.DH !== 1 || g.DW !== 1 || g.groups !== 1;
  const core = implicit ? convGradInput(x, w, g) : im2colGradInput(x, w, g);
  const out = bias ? binaryKernel('convTranspose2d', core, reshape(bias, [1, g.C, 1, 1]), 'ADD') : core;
  if (out !== core) core.dispose();
  if (!needsGrad(x, w, bias)) return output('convTranspose2d', out);
  const sx = save(x);
  const sw = save(w);
  return record('convTranspose2d', out, [x, w, bias], (dy) => [
    () => (implicit ? convForward(dy, sw, null, g, false) : im2colForward(dy, sw, null, g, false)),
    () => (implicit ? convGradWeight(sx, dy, g) : im2colGradWeight(sx, dy, g, false).dw),
    () => reshape(sumAxes(dy, [0, 2, 3], false), [g.C]),
  ], [sx, sw]);
}

/** The geometry of the conv2d whose input gradient this is: its input is our output, its output our input. */
function adjointGeometry(x: Tensor, w: Tensor, b: Tensor | null, options: ConvTranspose2dOptions): ConvGeometry {
  const fail = (why: string) =>
    new Error(`webgpu-cnn convTranspose2d: ${why} (x: ${formatShape(x.shape)}, w: ${formatShape(w.shape)}${b ? `, b: ${formatShape(b.shape)}` : ''})`);
  if (x.shape.length !== 4) throw fail('x must be [N, Cin, H, W]');
  if (w.shape.length !== 4) throw fail('w must be [Cin, Cout / groups, KH, KW]');
  const [N, Cin, H, W] = x.shape;
  const [Cw, Coutg, KH, KW] = w.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || Cin % groups !== 0) throw fail(`groups ${JSON.stringify(options.groups)} must be a positive integer dividing the ${Cin} input channels`);
  if (Cw !== Cin) throw fail(`w has ${Cw} input channels, x has ${Cin}`);
  if (KH < 1 || KW < 1 || Coutg < 1) throw fail('the kernel must be at least 1x1 with at least one output channel');
  const Cout = Coutg * groups;
  if (b && (b.shape.length !== 1 || b.shape[0] !== Cout)) throw fail(`b must be [${Cout}]`);
  const [SH, SW] = pair(options.stride ?? 1);
  const [PH, PW] = pair(options.padding ?? 0);
  const [DH, DW] = pair(options.dilation ?? 1);
  const [OH, OW] = pair(options.outputPadding ?? 0);
  if (![SH, SW, DH, DW].every((s) => Number.isInteger(s) && s >= 1)) throw fail('stride and dilation must be positive integers');
  if (![PH, PW, OH, OW].every((p) => Number.isInteger(p) && p >= 0)) throw fail('padding and outputPadding must be non-negative integers');
  if (OH >= Math.max(SH, DH) || OW >= Math.max(SW, DW)) throw fail(`outputPadding ${OH},${OW} must be smaller than the stride or the dilation`);
  const Hout = (H - 1) * SH - 2 * PH + DH * (KH - 1) + OH + 1;
  const Wout = (W - 1) * SW - 2 * PW + DW * (KW - 1) + OW + 1;
  if (Hout < 1 || Wout < 1) throw fail(`the output would be ${Hout}x${Wout}`);
  return { N, C: Cout, H: Hout, W: Wout, O: Cin, KH, KW, SH, SW, PH, PW, DH, DW, groups, P: H, Q: W };
}
