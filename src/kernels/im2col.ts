/**
 * Convolution as GEMM through explicit patch buffers (shaders/im2col.wgsl plus the matmul family): forward,
 * input gradient and weight gradient. The barrier-free GEMM these feed is what CPU adapters run best. No
 * dilation or groups (the implicit-GEMM kernels in conv.ts have both). They record nothing for autograd.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { gemm, matmulConfig } from './matmul';
import { binaryKernel, fillKernel } from './elementwise';
import { convPhase, type ConvGeometry } from './conv-geometry';

/** How the patches of one convolution are laid out and chunked. */
interface Layout extends ConvGeometry {
  PQ: number;
  CKK: number;
  /** the forward GEMM's depth: CKK, or CKK rounded up to a multiple of 4 (see layout()) */
  K: number;
  /** images per im2col chunk */
  chunk: number;
  /** im2col4's output rows per invocation: the fewest whose positions make a multiple of 4 (0: P*Q is not one) */
  span: number;
}

/**
 * im2col buffers are kept under this size by splitting the batch into chunks of whole images. Every distinct
 * patch-buffer size stays in the buffer pool, so this bounds the memory a training step holds: LeNet at batch 64
 * peaked at 156 MiB with 64 MiB chunks, 62 MiB with 16 MiB ones (Node, SwiftShader), and, with Winograd's
 * F(4x4, 3x3) for its second layer, 40.3 MiB with 16 MiB chunks and 34.3 MiB with 8 MiB ones (bench W6, Chromium).
 */
const DEFAULT_COLS_BYTES = 8 * 1024 * 1024;
/**
 * On a GPU (patches only when forced, Winograd when the tuner picks it) each chunk costs a few dispatches and a
 * pass over its buffers, and memory is plentiful: x[256, 64, 32, 32] with a 3x3 kernel would take 37 chunks of
 * Winograd tiles at 8 MiB, 3 at 128 MiB.
 */
const GPU_COLS_BYTES = 128 * 1024 * 1024;
let maxColsBytes: number | null = null;

/** @internal tests force small chunks with this; null restores the adapter's default. */
export function setIm2colLimit(bytes: number | null): void {
  maxColsBytes = bytes;
}
const WORKGROUP = 256;

/** The most bytes one chunk's patch buffer may take (Winograd's transformed tiles keep to it too). */
export function patchBufferLimit(): number {
  const rt = runtime();
  const limit = maxColsBytes ?? (rt.adapter.cpu ? DEFAULT_COLS_BYTES : GPU_COLS_BYTES);
  return Math.min(limit, rt.device.limits.maxStorageBufferBindingSize);
}

/**
 * Images per chunk when at most `most` fit one: the fewest chunks, as even as can be (64 images at most 26 per
 * chunk: 22, 22, 20 rather than 26, 26, 12), so that the last chunk's buffers are about the size of the others'
 * and the pool holds fewer distinct sizes.
 */
export function evenChunk(images: number, most: number): number {
  const chunks = Math.ceil(images / Math.max(1, most));
  return Math.ceil(images / chunks);
}

function layout(g: ConvGeometry): Layout {
  const PQ = g.P * g.Q;
  const CKK = g.C * g.KH * g.KW;
  // A K that is not a multiple of 4 (a first layer: 1*3*3 = 9) forces the GEMM onto scalar loads. Zero rows in
  // the patches and zero columns in W cost less when they add at most half: on SwiftShader, the MNIST model's
  // first layer (K 9 -> 12, batch 32) went from 10.5 to 8.8 ms for a third more multiply-adds.
  const K4 = Math.ceil(CKK / 4) * 4;
  const K = K4 !== CKK && PQ % 4 === 0 && matmulConfig().vec4 && 2 * K4 <= 3 * CKK ? K4 : CKK;
  const perImage = K * PQ * 4;
  const chunk = evenChunk(g.N, Math.floor(patchBufferLimit() / perImage));
  const span = PQ % 4 === 0 ? 4 / gcd(g.Q, 4) : 0;
  return { ...g, PQ, CKK, K, chunk, span };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function forEachChunk(l: Layout, fn: (n0: number, nb: number) => void): void {
  for (let n0 = 0; n0 < l.N; n0 += l.chunk) fn(n0, Math.min(l.chunk, l.N - n0));
}

function windowParams(l: Layout, n0: number, count: number) {
  return {
    count, n0, C: l.C, H: l.H, W: l.W, P: l.P, Q: l.Q, KH: l.KH, KW: l.KW, SH: l.SH, SW: l.SW, PH: l.PH, PW: l.PW, O: l.O,
    rows: l.K, span: l.span, parts: 1, KH0: l.KH, KW0: l.KW, I0: 0, J0: 0, R0H: 0, R0W: 0,
  };
}

/** One invocation per element of `count`, over the window parameters of `l`. */
function launchWindows(
  entry: 'im2col' | 'im2col4' | 'im2row' | 'col2im' | 'flip_weights' | 'pad_weights', l: Layout, n0: number, count: number,
  src: Tensor, dst: Tensor, biasColumn = false,
): void {
  const rt = runtime();
  const wide = entry === 'im2col4' || entry === 'im2row';
  rt.launch({
    shader: 'im2col', entry, constants: entry === 'im2row' ? { WORKGROUP, BIAS_COLUMN: biasColumn } : { WORKGROUP },
    bindings: wide ? { src: src.buffer, dst4: dst.buffer } : { src: src.buffer, dst: dst.buffer },
    params: windowParams(l, n0, count),
    workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
  });
}

/**
 * out [N, O, P, Q]: per chunk of images, out[n] = W[O, CKK] x cols[n] (+ b, ReLU fused into the GEMM's store),
 * where cols = im2col(x) lays each receptive field out as a column.
 */
export function im2colForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, relu: boolean): Tensor {
  const l = layout(g);
  const out = empty([l.N, l.O, l.P, l.Q]);
  if (l.KH === 1 && l.KW === 1 && l.SH === 1 && l.SW === 1 && l.PH === 0 && l.PW === 0 && l.K === l.C && l.P === l.H && l.Q === l.W) {
    // a 1x1 stride-1 kernel's patches would be x itself: x[n] [C, HW] is the GEMM's B as it is
    gemm(w, x, { m: l.O, n: l.PQ, k: l.C, batch: l.N, strideA: 0, strideB: l.C * l.PQ, bias: b ? 'row' : undefined, relu }, { out, bias: b });
    return out;
  }
  const wk = l.K === l.CKK ? w : padWeights(w, l);
  forEachChunk(l, (n0, nb) => {
    const cols = empty([nb, l.K, l.PQ]);
    if (l.span) launchWindows('im2col4', l, n0, nb * l.K * (l.P / l.span), x, cols);
    else launchWindows('im2col', l, n0, nb * l.K * l.P, x, cols);
    gemm(wk, cols, {
      m: l.O, n: l.PQ, k: l.K, batch: nb, strideA: 0, strideB: l.K * l.PQ, offsetC: n0 * l.O * l.PQ,
      bias: b ? 'row' : undefined, relu,
    }, { out, bias: b });
    cols.dispose();
  });
  if (wk !== w) wk.dispose();
  return out;
}

/** W [O, C*KH*KW] with zero columns up to K, matching the zero rows im2col writes past C*KH*KW. */
function padWeights(w: Tensor, l: Layout): Tensor {
  const padded = empty([l.O, l.K]);
  launchWindows('pad_weights', l, 0, padded.size, w, padded);
  return padded;
}

/**
 * The stride-1 convolution whose output is g's input gradient: of dy, padded by KH-1-PH (KW-1-PW), with the
 * kernel flipped in space and its channels swapped. Null for other strides, or padding the kernel's size or more.
 */
export function gradInputGeometry(g: ConvGeometry): ConvGeometry | null {
  if (g.SH !== 1 || g.SW !== 1 || g.DH !== 1 || g.DW !== 1 || g.groups !== 1 || g.PH >= g.KH || g.PW >= g.KW) return null;
  return { ...g, C: g.O, H: g.P, W: g.Q, O: g.C, PH: g.KH - 1 - g.PH, PW: g.KW - 1 - g.PW, P: g.H, Q: g.W };
}

/**
 * dx [N, C, H, W]. For stride 1 it is itself a convolution: of dy, padded by KH-1-PH (KW-1-PW), with the
 * weights flipped in space and their in/out channels swapped, W'[c, o, i, j] = W[o, c, KH-1-i, KW-1-j]. That
 * reuses the forward path and needs no col2im. Strided, each output phase is such a convolution too
 * (stridedPhases); only padding past what the phases can take scatters through col2im(W^T x dy[n]).
 */
export function im2colGradInput(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const l = layout(g);
  const transposed = gradInputGeometry(g);
  if (transposed) {
    const flipped = empty([l.C, l.O, l.KH, l.KW]);
    launchWindows('flip_weights', l, 0, flipped.size, w, flipped);
    const dx = im2colForward(dy, flipped, null, transposed, false);
    flipped.dispose();
    return dx;
  }
  const phases = stridedPhases(g);
  if (phases) return gradInputByPhases(dy, w, l, phases);
  const dx = empty([l.N, l.C, l.H, l.W]);
  forEachChunk(l, (n0, nb) => {
    // dcols[n] = W^T [CKK, O] x dy[n] [O, PQ]
    const dcols = gemm(w, dy, { m: l.CKK, n: l.PQ, k: l.O, transA: true, batch: nb, strideA: 0, strideB: l.O * l.PQ, offsetB: n0 * l.O * l.PQ });
    launchWindows('col2im', l, n0, nb * l.C * l.H * l.W, dcols, dx);
    dcols.dispose();
  });
  return dx;
}

/** One output phase of a strided input gradient: its first pixel, and the convolution of dy that computes it (null: no tap reaches it, it is 0). */
export interface GradInputPhase {
  rh: number;
  rw: number;
  /** the first tap of w it takes along each axis (then every SH-th, SW-th) */
  i0: number;
  j0: number;
  conv: ConvGeometry | null;
}

/**
 * The SH * SW output phases of a strided convolution's input gradient, the pixels dx[:, :, rh::SH, rw::SW], each
 * a stride-1 convolution of dy: with the taps i0, i0 + SH, ... (j0, j0 + SW, ...) that reach its pixels, flipped,
 * and padded so that its output pixel h' reads dy's rows h' + base - t (convPhase, conv-geometry.ts). No product is
 * taken with a tap that falls between dy's pixels (3 in 4 at stride 2), and the GEMMs run O * taps deep where
 * col2im's runs O deep. Null for stride 1 or dilation, or padding past the kernel (a phase's own padding would
 * be negative): col2im takes those.
 */
export function stridedPhases(g: ConvGeometry): GradInputPhase[] | null {
  if ((g.SH === 1 && g.SW === 1) || g.DH !== 1 || g.DW !== 1 || g.groups !== 1) return null;
  const phases: GradInputPhase[] = [];
  for (let rh = 0; rh < g.SH; rh++) {
    for (let rw = 0; rw < g.SW; rw++) {
      const ph = convPhase(rh, g.SH, g.PH, 1, g.KH, g.H);
      const pw = convPhase(rw, g.SW, g.PW, 1, g.KW, g.W);
      if (ph.count === 0 || pw.count === 0) continue;
      if (ph.taps === 0 || pw.taps === 0) {
        phases.push({ rh, rw, i0: 0, j0: 0, conv: null });
        continue;
      }
      const [PH, PW] = [ph.taps - 1 - ph.base, pw.taps - 1 - pw.base];
      if (PH < 0 || PW < 0) return null;
      phases.push({
        rh, rw, i0: ph.i0, j0: pw.i0,
        conv: { N: g.N, C: g.O, H: g.P, W: g.Q, O: g.C, KH: ph.taps, KW: pw.taps, SH: 1, SW: 1, PH, PW, DH: 1, DW: 1, groups: 1, P: ph.count, Q: pw.count },
      });
    }
  }
  return phases;
}

/** dx from its phases: each computed by the forward path into a dense [N, C, P', Q'], then put in its pixels. */
function gradInputByPhases(dy: Tensor, w: Tensor, l: Layout, phases: GradInputPhase[]): Tensor {
  const shape = [l.N, l.C, l.H, l.W];
  const dx = phases.some((p) => !p.conv) ? fillKernel(shape, 0) : empty(shape);
  const rt = runtime();
  for (const { rh, rw, i0, j0, conv } of phases) {
    if (!conv) continue;
    const sub = empty([l.C, l.O, conv.KH, conv.KW]);
    rt.launch({
      shader: 'im2col', entry: 'flip_weights', constants: { WORKGROUP },
      bindings: { src: w.buffer, dst: sub.buffer },
      params: { ...windowParams(l, 0, sub.size), KH: conv.KH, KW: conv.KW, I0: i0, J0: j0 },
      workgroups: rt.grid1d(Math.ceil(sub.size / WORKGROUP)),
    });
    const part = im2colForward(dy, sub, null, conv, false);
    sub.dispose();
    const wide = conv.Q % 4 === 0;
    const count = wide ? part.size / 4 : part.size;
    rt.launch({
      shader: 'im2col', entry: wide ? 'phase_scatter4' : 'phase_scatter', constants: { WORKGROUP },
      bindings: wide ? { src4: part.buffer, dst: dx.buffer } : { src: part.buffer, dst: dx.buffer },
      params: { ...windowParams(l, 0, count), P: conv.P, Q: conv.Q, R0H: rh, R0W: rw },
      workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
    });
    part.dispose();
  }
  return dx;
}

/**
 * dW [O, C, KH, KW] = sum_n dy[n] [O, PQ] x rows[n] [PQ, R]: one batch-summing GEMM per chunk of images, over
 * the patches laid out one receptive field per row, so neither per-image products nor a transposed dy are needed.
 * A row holds the C*KH*KW taps, then (withBias) a 1, whose column of the product is db [O] = sum of dy over
 * images and positions, then zeros up to R, a multiple of 4 (16-byte stores and GEMM loads): one GEMM per layer
 * instead of a GEMM and a reduction, with 16-byte loads even for a first layer's 9 taps.
 */
export function im2colGradWeight(dy: Tensor, x: Tensor, g: ConvGeometry, withBias: boolean): { dw: Tensor; db: Tensor | null } {
  const l = layout(g);
  const R = Math.ceil((l.CKK + (withBias ? 1 : 0)) / 4) * 4;
  const rowsLayout = { ...l, K: R };
  // One chunk (the usual case): its GEMM's partial sums go to weight_grad_sum as they are. Several: each
  // chunk's product is summed by the GEMM and added to the others'.
  const partials = l.chunk >= l.N;
  let acc: Tensor | null = null;
  forEachChunk(l, (n0, nb) => {
    const rows = empty([nb * l.PQ, R]);
    launchWindows('im2row', rowsLayout, n0, nb * l.PQ, x, rows, withBias);
    const part = gemm(dy, rows, {
      m: l.O, n: R, k: l.PQ, batch: nb, sumBatch: true,
      strideA: l.O * l.PQ, offsetA: n0 * l.O * l.PQ, strideB: l.PQ * R,
    }, { partials });
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
  const product = acc!;
  const dw = empty([l.O, l.C, l.KH, l.KW]);
  const db = withBias ? empty([l.O]) : null;
  const rt = runtime();
  const count = dw.size + (db?.size ?? 0);
  rt.launch({
    shader: 'im2col', entry: 'weight_grad_sum', constants: { WORKGROUP, BIAS_COLUMN: withBias },
    bindings: { src: product.buffer, dst: dw.buffer, db: db?.buffer ?? null },
    params: { ...windowParams(l, 0, count), rows: R, parts: product.size / (l.O * R) },
    workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
  });
  product.dispose();
  return { dw, db };
}
