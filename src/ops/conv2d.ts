import { empty, view, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { record, save, needsGrad } from '../autograd/tape';
import { formatShape } from '../shape';
import { gemm, matmulConfig } from './matmul';
import { sumAxes } from './sum';
import { binaryKernel } from './elementwise';
import { reshape } from './reshape';
import { convForward, convGradInput, convGradWeight, type ConvGeometry } from '../kernels/conv';

/**
 * implicit: one implicit-GEMM kernel per direction, no im2col buffer (shaders/conv.wgsl), the default on GPUs;
 * im2col: patches then the matmul kernels, the default on CPU adapters (SwiftShader), whose code generator
 * handles the barrier-free matmul far better than workgroup tiles.
 */
export type ConvAlgorithm = 'implicit' | 'im2col';
let algorithm: ConvAlgorithm | null = null;

/** Forces one algorithm for subsequent convolutions (tests, benchmarks); null restores the adapter's default. */
export function setConvAlgorithm(a: ConvAlgorithm | null): void {
  algorithm = a;
}

function convAlgorithm(): ConvAlgorithm {
  return algorithm ?? (runtime().adapter.cpu ? 'im2col' : 'implicit');
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** fuse a ReLU into the output (and its gradient into backward) */
  relu?: boolean;
}

/**
 * im2col buffers are kept under this size by splitting the batch into chunks of whole images. Every distinct
 * patch-buffer size stays in the buffer pool, so this bounds the memory a training step holds: LeNet at batch 64
 * peaked at 156 MiB with 64 MiB chunks and at 62 MiB with 16 MiB ones (Node, SwiftShader).
 */
const DEFAULT_COLS_BYTES = 16 * 1024 * 1024;
let maxColsBytes = DEFAULT_COLS_BYTES;

/** @internal tests force small chunks with this; null restores the default. */
export function setIm2colLimit(bytes: number | null): void {
  maxColsBytes = bytes ?? DEFAULT_COLS_BYTES;
}
const WORKGROUP = 256;

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * 2-D convolution (cross-correlation, as in PyTorch).
 * x: [N, C, H, W], w: [O, C, KH, KW], b: [O] -> [N, O, P, Q], P = floor((H + 2 PH - KH) / SH) + 1 (Q alike).
 *
 * Forward, per image n: out[n] = W[O, C*KH*KW] x cols[n] (+ b, ReLU fused into the GEMM's store), where
 * cols = im2col(x) lays each receptive field out as a column.
 * Backward, with the patches recomputed from the saved x rather than kept:
 *   dW = sum_n dy[n] [O, PQ] x cols[n]^T,   db = sum of dy over N, P, Q,
 *   dx = a convolution of dy with the flipped weights (stride 1), or col2im(W^T x dy[n]) (other strides).
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = geometry(x, w, b ?? null, options);
  const implicit: ConvGeometry | null = convAlgorithm() === 'implicit' ? { ...g, DH: 1, DW: 1, groups: 1 } : null;
  const out = implicit ? convForward(x, w, b ?? null, implicit, !!options.relu) : convolve(x, w, b ?? null, g, !!options.relu);
  const inputs = b ? [x, w, b] : [x, w];
  if (!needsGrad(...inputs)) return out;
  const sx = save(x);
  const sw = save(w);
  const sout = options.relu ? save(out) : null;
  const saved = [sx, sw, ...(sout ? [sout] : [])];
  return record('conv2d', out, inputs, (dyIn) => {
    // d relu(z)/dz = 1 where the output is positive.
    const dy = sout ? binaryKernel('conv2d', sout, dyIn, 'RELU_GRAD') : dyIn;
    return [
      () => (implicit ? convGradInput(dy, sw, implicit) : gradInput(dy, sw, g)),
      () => (implicit ? convGradWeight(dy, sx, implicit) : gradWeight(dy, sx, g)),
      () => reshape(sumAxes(dy, [0, 2, 3], false), [g.O]),
    ];
  }, saved);
}

/** The forward computation, without autograd: im2col per chunk of images, then the GEMM with its epilogue. */
function convolve(x: Tensor, w: Tensor, b: Tensor | null, g: Geometry, relu: boolean): Tensor {
  const out = empty([g.N, g.O, g.P, g.Q]);
  const wk = g.K === g.CKK ? w : padWeights(w, g);
  forEachChunk(g, (n0, nb) => {
    const cols = im2col(x, g, n0, nb);
    gemm(wk, cols, {
      m: g.O, n: g.PQ, k: g.K, batch: nb, strideA: 0, strideB: g.K * g.PQ,
      out, offsetC: n0 * g.O * g.PQ,
      bias: b ? { tensor: b, per: 'row' } : undefined, relu,
    });
    cols.dispose();
  });
  if (wk !== w) wk.dispose();
  return out;
}

/** W [O, C*KH*KW] with zero columns up to K, matching the zero rows im2col writes past C*KH*KW. */
function padWeights(w: Tensor, g: Geometry): Tensor {
  const rt = runtime();
  const padded = empty([g.O, g.K]);
  rt.launch({
    shader: 'im2col', entry: 'pad_weights', constants: { WORKGROUP },
    bindings: { src: w.buffer, dst: padded.buffer },
    params: windowParams(g, 0, padded.size),
    workgroups: rt.grid1d(Math.ceil(padded.size / WORKGROUP)),
  });
  return padded;
}

interface Geometry {
  N: number; C: number; H: number; W: number;
  O: number; KH: number; KW: number;
  SH: number; SW: number; PH: number; PW: number;
  P: number; Q: number; PQ: number; CKK: number;
  /** the forward GEMM's depth: CKK, or CKK rounded up to a multiple of 4 (see below) */
  K: number;
  chunk: number;
}

function geometry(x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions): Geometry {
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
  const PQ = P * Q;
  const CKK = C * KH * KW;
  // A K that is not a multiple of 4 (a first layer: 1*3*3 = 9) forces the GEMM onto scalar loads. Zero rows in
  // the patches and zero columns in W cost less when they add at most half: on SwiftShader, the MNIST model's
  // first layer (K 9 -> 12, batch 32) went from 10.5 to 8.8 ms for a third more multiply-adds.
  const K4 = Math.ceil(CKK / 4) * 4;
  const K = K4 !== CKK && PQ % 4 === 0 && matmulConfig().vec4 && 2 * K4 <= 3 * CKK ? K4 : CKK;
  const perImage = K * PQ * 4;
  const limit = Math.min(maxColsBytes, runtime().device.limits.maxStorageBufferBindingSize);
  const chunk = Math.max(1, Math.min(N, Math.floor(limit / perImage)));
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, P, Q, PQ, CKK, K, chunk };
}

function forEachChunk(g: Geometry, fn: (n0: number, nb: number) => void): void {
  for (let n0 = 0; n0 < g.N; n0 += g.chunk) fn(n0, Math.min(g.chunk, g.N - n0));
}

function windowParams(g: Geometry, n0: number, count: number) {
  return { count, n0, C: g.C, H: g.H, W: g.W, P: g.P, Q: g.Q, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, O: g.O, rows: g.K };
}

/** cols[nb, K, P*Q] for images n0 .. n0+nb-1 of x (rows past C*KH*KW are zeros). */
function im2col(x: Tensor, g: Geometry, n0: number, nb: number): Tensor {
  return patches('im2col', [nb, g.K, g.PQ], nb * g.K * g.P, x, g, n0);
}

/** rows[nb * P*Q, C*KH*KW]: the same patches, one receptive field per row. */
function im2row(x: Tensor, g: Geometry, n0: number, nb: number): Tensor {
  return patches('im2row', [nb * g.PQ, g.CKK], nb * g.PQ, x, g, n0);
}

function patches(entry: string, shape: number[], invocations: number, x: Tensor, g: Geometry, n0: number): Tensor {
  const rt = runtime();
  const out = empty(shape);
  rt.launch({
    shader: 'im2col', entry, constants: { WORKGROUP },
    bindings: { src: x.buffer, dst: out.buffer },
    params: windowParams(g, n0, invocations),
    workgroups: rt.grid1d(Math.ceil(invocations / WORKGROUP)),
  });
  return out;
}

/**
 * dx for stride 1 is itself a convolution: of dy, padded by KH-1-PH (KW-1-PW), with the weights flipped in
 * space and their in/out channels swapped, W'[c, o, i, j] = W[o, c, KH-1-i, KW-1-j]. That reuses the forward
 * path (im2col + GEMM) and needs no col2im. Other strides scatter through col2im(W^T x dy[n]).
 */
function gradInput(dy: Tensor, w: Tensor, g: Geometry): Tensor {
  if (g.SH === 1 && g.SW === 1 && g.PH < g.KH && g.PW < g.KW) {
    const flipped = empty([g.C, g.O, g.KH, g.KW]);
    const rt = runtime();
    rt.launch({
      shader: 'im2col', entry: 'flip_weights', constants: { WORKGROUP },
      bindings: { src: w.buffer, dst: flipped.buffer },
      params: windowParams(g, 0, flipped.size),
      workgroups: rt.grid1d(Math.ceil(flipped.size / WORKGROUP)),
    });
    const transposed = geometry(dy, flipped, null, { padding: [g.KH - 1 - g.PH, g.KW - 1 - g.PW] });
    const dx = convolve(dy, flipped, null, transposed, false);
    flipped.dispose();
    return dx;
  }
  return gradInputCol2im(dy, w, g);
}

function gradInputCol2im(dy: Tensor, w: Tensor, g: Geometry): Tensor {
  const rt = runtime();
  const dx = empty([g.N, g.C, g.H, g.W]);
  forEachChunk(g, (n0, nb) => {
    // dcols[n] = W^T [CKK, O] x dy[n] [O, PQ]
    const dcols = gemm(w, dy, { m: g.CKK, n: g.PQ, k: g.O, transA: true, batch: nb, strideA: 0, strideB: g.O * g.PQ, offsetB: n0 * g.O * g.PQ });
    const count = nb * g.C * g.H * g.W;
    rt.launch({
      shader: 'im2col', entry: 'col2im', constants: { WORKGROUP },
      bindings: { src: dcols.buffer, dst: dx.buffer },
      params: windowParams(g, n0, count),
      workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
    });
    dcols.dispose();
  });
  return dx;
}

/**
 * dW[O, CKK] = sum_n dy[n] [O, PQ] x rows[n] [PQ, CKK]: one batch-summing GEMM per chunk of images, over the
 * patches laid out one receptive field per row, so neither per-image products nor a transposed dy are needed.
 */
function gradWeight(dy: Tensor, x: Tensor, g: Geometry): Tensor {
  let acc: Tensor | null = null;
  forEachChunk(g, (n0, nb) => {
    const rows = im2row(x, g, n0, nb);
    const part = gemm(dy, rows, {
      m: g.O, n: g.CKK, k: g.PQ, batch: nb, sumBatch: true,
      strideA: g.O * g.PQ, offsetA: n0 * g.O * g.PQ, strideB: g.PQ * g.CKK,
    });
    rows.dispose();
    if (acc) {
      const total = binaryKernel('conv2d', acc, part, 'ADD');
      acc.dispose();
      part.dispose();
      acc = total;
    } else {
      acc = part;
    }
  });
  const dw = view(acc!, [g.O, g.C, g.KH, g.KW]);
  acc!.dispose();
  return dw;
}
