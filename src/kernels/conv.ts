/**
 * Launchers for shaders/conv.wgsl, implicit-GEMM convolution: forward, input gradient and weight gradient, each
 * one GEMM over all images at once with the B operand gathered from NCHW tensors (no im2col buffer). They never
 * touch the autograd tape; src/ops/conv2d.ts decides when to use them.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';

/** A convolution's shape: x [N, C, H, W], w [O, C/groups, KH, KW], out [N, O, P, Q]. */
export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  O: number; KH: number; KW: number;
  SH: number; SW: number; PH: number; PW: number;
  /** dilation (1: none) */
  DH: number; DW: number;
  groups: number;
  P: number; Q: number;
}

/**
 * implicit: one implicit-GEMM kernel per direction, no im2col buffer (shaders/conv.wgsl), the default on GPUs;
 * im2col: patches then the matmul kernels (kernels/im2col.ts), the default on CPU adapters (SwiftShader), whose
 * code generator handles the barrier-free matmul far better than workgroup tiles.
 */
export type ConvAlgorithm = 'implicit' | 'im2col';
let algorithm: ConvAlgorithm | null = null;

/** Forces one algorithm for subsequent convolutions (tests, benchmarks); null restores the adapter's default. */
export function setConvAlgorithm(a: ConvAlgorithm | null): void {
  algorithm = a;
}

export function convAlgorithm(): ConvAlgorithm {
  return algorithm ?? (runtime().adapter.cpu ? 'im2col' : 'implicit');
}

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** The geometry of x: [N, C, H, W] convolved with w: [O, C/groups, KH, KW] (PyTorch's output size). */
export function convGeometry(
  x: readonly number[], w: readonly number[],
  o: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {},
): ConvGeometry {
  const [N, C, H, W] = x;
  const [O, , KH, KW] = w;
  const [SH, SW] = pair(o.stride ?? 1);
  const [PH, PW] = pair(o.padding ?? 0);
  const [DH, DW] = pair(o.dilation ?? 1);
  const P = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  return { N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, groups: o.groups ?? 1, P, Q };
}

export type ConvKernel = 'forward' | 'grad_input' | 'grad_weight';

/** Tile override constants of conv.wgsl, and how grad_weight splits K. */
export interface ConvTiles {
  wgX: number;
  wgY: number;
  /** outputs per invocation along M and N: 4 or 8 */
  regM: number;
  regN: number;
  /** depth of a K step; divides wgX * wgY */
  tileK: number;
  /** split-K parts (grad_weight only; 1 elsewhere) and the K range of each, a multiple of tileK */
  splits: number;
  kPerSplit: number;
}

/** workgroups a grad_weight launch aims for: a few per SM of a large GPU (an H200 has 132) */
export const TARGET_WORKGROUPS = 512;
/** grad_weight's split-K keeps at least this many K steps per workgroup, so partial sums stay few */
const MIN_STEPS_PER_SPLIT = 8;
/** and at most this many splits: reduce_splits reads them one after another (392 splits of a 32x25 dw took 0.09 ms) */
const MAX_SPLITS = 128;
const MAX_LOADS = 16;

let tilesOverride: Partial<Omit<ConvTiles, 'splits' | 'kPerSplit'>> & { splits?: number } | null = null;

/** Forces tile constants (benchmarks sweep them with this); null restores pickConvTiles' choice. */
export function setConvTiles(tiles: typeof tilesOverride): void {
  tilesOverride = tiles;
}

/** forward and grad_input shrink their blocks until the grid has at least this many workgroups (2 per SM of an H200) */
export const MIN_WORKGROUPS = 264;

/**
 * The tiles for one group's GEMM of m x n x k, 256 invocations each. Blocks are 32, 64 or 128 rows, the smallest
 * that covers m. forward and grad_input give each invocation 4 x 8 outputs (8 x 4 for 128-row blocks) and drop to
 * 4 x 4 while fewer than MIN_WORKGROUPS workgroups would run. grad_weight gives 8 x 8 from 64-row blocks (128
 * invocations), fits the block's width to n (its C/G*KH*KW) and splits K until the grid has about `target`
 * workgroups. On an H200 (bench/kernels-gpu.mjs) 8 x 8 ran forward and grad_input 1.3-2x slower than 4 x 8, and
 * grad_weight 10% faster. Pure: unit tests call it without a GPU.
 */
export function pickConvTiles(kind: ConvKernel, m: number, n: number, k: number, groups = 1, target = TARGET_WORKGROUPS): ConvTiles {
  const fit = (v: number) => (v <= 32 ? 32 : v <= 64 ? 64 : 128);
  const blockM = fit(m);
  let regM = blockM === 128 ? 8 : 4;
  let regN = blockM === 128 ? 4 : 8;
  let wgY = blockM / regM;
  let wgX = 256 / wgY;
  if (kind === 'grad_weight') {
    const blockN = fit(n);
    regM = blockM >= 64 ? 8 : 4;
    wgY = blockM / regM;
    regN = blockN === 32 ? 4 : 8;
    wgX = Math.min(256 / wgY, blockN / regN);
  } else if (Math.ceil(m / blockM) * groups * Math.ceil(n / (wgX * regN)) < MIN_WORKGROUPS) {
    regN = 4;
  }
  regM = tilesOverride?.regM ?? regM;
  regN = tilesOverride?.regN ?? regN;
  wgY = tilesOverride?.wgY ?? wgY;
  wgX = tilesOverride?.wgX ?? wgX;
  const tileK = tilesOverride?.tileK ?? (wgX * wgY >= 128 ? 8 : 16);
  const tiles = { wgX, wgY, regM, regN, tileK, splits: 1, kPerSplit: Math.max(tileK, Math.ceil(k / tileK) * tileK) };
  checkConvTiles(tiles);
  if (kind === 'grad_weight') {
    const blocks = Math.ceil(m / (wgY * regM)) * Math.ceil(n / (wgX * regN)) * groups;
    const most = Math.max(1, Math.floor(k / (MIN_STEPS_PER_SPLIT * tileK)));
    const want = tilesOverride?.splits ?? Math.min(most, MAX_SPLITS, Math.ceil(target / blocks));
    tiles.kPerSplit = Math.ceil(Math.ceil(k / Math.max(1, want)) / tileK) * tileK;
    tiles.splits = Math.max(1, Math.ceil(k / tiles.kPerSplit));
  }
  return tiles;
}

/** Throws unless conv.wgsl can run these tiles. */
export function checkConvTiles(t: Pick<ConvTiles, 'wgX' | 'wgY' | 'regM' | 'regN' | 'tileK'>): void {
  const threads = t.wgX * t.wgY;
  const perPass = threads / t.tileK;
  const loads = Math.ceil((Math.max(t.wgY * t.regM, t.wgX * t.regN)) / perPass);
  if (![4, 8].includes(t.regM) || ![4, 8].includes(t.regN) || threads > 256 || !Number.isInteger(perPass) || loads > MAX_LOADS) {
    throw new Error(`webgpu-cnn conv: tiles ${JSON.stringify(t)}: need regM, regN in {4, 8}, at most 256 invocations, tileK dividing them and at most ${MAX_LOADS} loads per invocation and step`);
  }
}

/** out[n, o, p, q] = sum_{c,i,j} w[o, c, i, j] x[n, c, p*SH-PH+i*DH, q*SW-PW+j*DW] (+ bias[o], ReLU). */
export function convForward(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean): Tensor {
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  const out = empty([g.N, O, P, Q]);
  launch('forward', { a: w, src: x, c: out, bias }, { M: Og, N: g.N * PQ, K: Cg * KK, groups }, relu, {
    aDiv: Cg * KK, aOuter: 0, aRow: Cg * KK, aGroup: Og * Cg * KK,
    bD1: KH, bD2: KW, bOuter: HW, bH1: g.DH, bH0: 0, bW1: g.DW, bW0: 0,
    cD1: P, cD2: Q, cOuter: C * HW, cGroup: Cg * HW, cH1: g.SH, cH0: -g.PH, cW1: g.SW, cW0: -g.PW,
    GH: H, GW: W, GSH: 1, GSW: 1,
    outRow: PQ, outDiv: PQ, outOuter: O * PQ, outSplit: 0,
  });
  return out;
}

/** dx[n, c, h, w] = sum_{o,i,j} w[o, c, i, j] dy[n, o, p, q] where h = p*SH-PH+i*DH and w = q*SW-PW+j*DW. */
export function convGradInput(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  const dx = empty([g.N, C, H, W]);
  launch('grad_input', { a: w, src: dy, c: dx, bias: null }, { M: Cg, N: g.N * HW, K: Og * KK, groups }, false, {
    aDiv: KK, aOuter: Cg * KK, aRow: KK, aGroup: Og * Cg * KK,
    bD1: KH, bD2: KW, bOuter: PQ, bH1: -g.DH, bH0: 0, bW1: -g.DW, bW0: 0,
    cD1: H, cD2: W, cOuter: O * PQ, cGroup: Og * PQ, cH1: 1, cH0: g.PH, cW1: 1, cW0: g.PW,
    GH: P, GW: Q, GSH: g.SH, GSW: g.SW,
    outRow: HW, outDiv: HW, outOuter: C * HW, outSplit: 0,
  });
  return dx;
}

/** dw[o, c, i, j] = sum_{n,p,q} dy[n, o, p, q] x[n, c, p*SH-PH+i*DH, q*SW-PW+j*DW], split over K then summed. */
export function convGradWeight(dy: Tensor, x: Tensor, g: ConvGeometry, target = TARGET_WORKGROUPS): Tensor {
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  const gemm = { M: Og, N: Cg * KK, K: g.N * PQ, groups };
  const tiles = pickConvTiles('grad_weight', gemm.M, gemm.N, gemm.K, groups, target);
  const dw = empty([O, Cg, KH, KW]);
  const partial = tiles.splits > 1 ? empty([tiles.splits, O, Cg * KK]) : dw;
  launch('grad_weight', { a: dy, src: x, c: partial, bias: null }, gemm, false, {
    aDiv: PQ, aOuter: O * PQ, aRow: PQ, aGroup: Og * PQ,
    bD1: P, bD2: Q, bOuter: C * HW, bH1: g.SH, bH0: -g.PH, bW1: g.SW, bW0: -g.PW,
    cD1: KH, cD2: KW, cOuter: HW, cGroup: Cg * HW, cH1: g.DH, cH0: 0, cW1: g.DW, cW0: 0,
    GH: H, GW: W, GSH: 1, GSW: 1,
    outRow: Cg * KK, outDiv: Cg * KK, outOuter: 0, outSplit: O * Cg * KK,
  }, tiles);
  if (partial !== dw) {
    const rt = runtime();
    const count = dw.size;
    rt.launch({
      shader: 'conv', entry: 'reduce_splits', constants: { WG_X: 256, WG_Y: 1 },
      bindings: { src: partial.buffer, c: dw.buffer },
      params: { ...NO_GATHER, splits: tiles.splits, count },
      workgroups: rt.grid1d(Math.ceil(count / 256)),
    });
    partial.dispose();
  }
  return dw;
}

type Gather = Record<
  | 'aDiv' | 'aOuter' | 'aRow' | 'aGroup' | 'bD1' | 'bD2' | 'bOuter' | 'bH1' | 'bH0' | 'bW1' | 'bW0'
  | 'cD1' | 'cD2' | 'cOuter' | 'cGroup' | 'cH1' | 'cH0' | 'cW1' | 'cW0' | 'GH' | 'GW' | 'GSH' | 'GSW'
  | 'outSplit' | 'outRow' | 'outDiv' | 'outOuter', number>;

const NO_GATHER: Gather & Record<'M' | 'N' | 'K' | 'kPerSplit', number> = {
  M: 0, N: 0, K: 0, kPerSplit: 0, aDiv: 1, aOuter: 0, aRow: 0, aGroup: 0, bD1: 1, bD2: 1, bOuter: 0, bH1: 0, bH0: 0,
  bW1: 0, bW0: 0, cD1: 1, cD2: 1, cOuter: 0, cGroup: 0, cH1: 0, cH0: 0, cW1: 0, cW0: 0, GH: 0, GW: 0, GSH: 1, GSW: 1,
  outSplit: 0, outRow: 0, outDiv: 1, outOuter: 0,
};

function launch(
  entry: ConvKernel,
  t: { a: Tensor; src: Tensor; c: Tensor; bias: Tensor | null },
  gemm: { M: number; N: number; K: number; groups: number },
  relu: boolean,
  gather: Gather,
  tiles = pickConvTiles(entry, gemm.M, gemm.N, gemm.K, gemm.groups),
): void {
  const rt = runtime();
  rt.launch({
    shader: 'conv',
    entry,
    constants: { WG_X: tiles.wgX, WG_Y: tiles.wgY, REG_M: tiles.regM, REG_N: tiles.regN, TILE_K: tiles.tileK, BIAS: !!t.bias, RELU: relu },
    bindings: { a: t.a.buffer, src: t.src.buffer, c: t.c.buffer, bias: t.bias?.buffer ?? null },
    params: { ...gather, M: gemm.M, N: gemm.N, K: gemm.K, splits: tiles.splits, kPerSplit: tiles.kPerSplit, count: 0 },
    workgroups: [
      Math.ceil(gemm.N / (tiles.wgX * tiles.regN)),
      Math.ceil(gemm.M / (tiles.wgY * tiles.regM)),
      gemm.groups * tiles.splits,
    ],
  });
}
