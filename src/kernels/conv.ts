/**
 * Launchers for shaders/conv.wgsl, implicit-GEMM convolution: forward, input gradient and weight gradient, each
 * one GEMM over all images at once with the B operand gathered from NCHW tensors (no im2col buffer). They never
 * touch the autograd tape; src/ops/conv2d.ts decides when to use them. Each direction has candidate variants
 * (tile sets, grad_weight's split counts, grad_input's phase decomposition, Winograd) among which the autotuner
 * (tuning.ts) picks per shape class; untuned, pickConvTiles' choice runs.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';
import { choose, MAX_CANDIDATES, pow2, remember, type Candidate } from './tuning';
import { convPhase, type ConvGeometry } from './conv-geometry';
import { winogradConv, winogradGradInput, winogradOffered } from './winograd';
import { gradInputGeometry } from './im2col';

export { convGeometry, type ConvGeometry } from './conv-geometry';

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
  kernelChoices.changed();
}

export function convAlgorithm(): ConvAlgorithm {
  return algorithm ?? (runtime().adapter.cpu ? 'im2col' : 'implicit');
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

let tilesOverride: (Partial<Omit<ConvTiles, 'splits' | 'kPerSplit'>> & { splits?: number }) | null = null;

/** Forces tile constants (benchmarks sweep them with this); null restores pickConvTiles' choice. */
export function setConvTiles(tiles: typeof tilesOverride): void {
  tilesOverride = tiles;
  kernelChoices.changed();
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
export function pickConvTiles(
  kind: ConvKernel, m: number, n: number, k: number, groups = 1, target = TARGET_WORKGROUPS,
  force: (Partial<Omit<ConvTiles, 'splits' | 'kPerSplit'>> & { splits?: number }) | null | undefined = tilesOverride,
): ConvTiles {
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
  regM = force?.regM ?? regM;
  regN = force?.regN ?? regN;
  wgY = force?.wgY ?? wgY;
  wgX = force?.wgX ?? wgX;
  const tileK = force?.tileK ?? (wgX * wgY >= 128 ? 8 : 16);
  const tiles = { wgX, wgY, regM, regN, tileK, splits: 1, kPerSplit: Math.max(tileK, Math.ceil(k / tileK) * tileK) };
  checkConvTiles(tiles);
  if (kind === 'grad_weight') {
    const blocks = Math.ceil(m / (wgY * regM)) * Math.ceil(n / (wgX * regN)) * groups;
    const most = Math.max(1, Math.floor(k / (MIN_STEPS_PER_SPLIT * tileK)));
    const want = force?.splits ?? Math.min(most, MAX_SPLITS, Math.ceil(target / blocks));
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

type TileForce = Partial<Omit<ConvTiles, 'splits' | 'kPerSplit'>> & { splits?: number };

/** One candidate of a convolution kernel: tile constants forced over pickConvTiles' choice, and the algorithm. */
export interface ConvVariant {
  tiles?: TileForce;
  /** grad_input with a stride: one dense GEMM per output phase (gradInputPhases) instead of skipping zero taps */
  phases?: boolean;
  /** forward and stride-1 grad_input: Winograd's F(4x4, 3x3) (winograd.ts) instead of the implicit GEMM */
  winograd?: boolean;
}

/**
 * Tile sets the autotuner times beside pickConvTiles' choice: the H200 sweep's contenders, plus sets for a
 * GEMM whose default grid is too small to fill a large GPU (`small`: fewer than SMALL_GRID workgroups) or big
 * enough for wide blocks (`wide`: at least WIDE_BLOCKS of them).
 */
export const TILE_SETS: Readonly<Record<string, TileForce & { when?: 'small' | 'wide' }>> = {
  // 32 x 32 and 32 x 64 blocks of 64 and 128 invocations: 4-16x the workgroups of the default when M is 32-64
  // channels and N a few thousand pixels (a dx of 32 channels ran 98 workgroups of 32 x 128 on 132 SMs)
  '8x8 r4x4 k8': { wgX: 8, wgY: 8, regM: 4, regN: 4, tileK: 8, when: 'small' },
  '16x8 r4x4 k8': { wgX: 16, wgY: 8, regM: 4, regN: 4, tileK: 8, when: 'small' },
  '16x16 r4x4 k8': { wgX: 16, wgY: 16, regM: 4, regN: 4, tileK: 8 },
  '16x16 r4x8 k16': { wgX: 16, wgY: 16, regM: 4, regN: 8, tileK: 16 },
  '32x8 r4x8 k8': { wgX: 32, wgY: 8, regM: 4, regN: 8, tileK: 8 },
  // matmul's fastest shape (8 x 8 per invocation, 16-deep steps) on 64 x 256 blocks: a third of the barriers
  // and shared-memory reads per multiply-add of 4 x 8 with 8-deep steps, for the big GEMMs (M = 64 channels)
  '32x8 r8x8 k16': { wgX: 32, wgY: 8, regM: 8, regN: 8, tileK: 16, when: 'wide' },
};
/** blocks of 64 x 256 only pay where the GEMM still has this many of them (2 per SM of an H200) */
const WIDE_BLOCKS = 264;
/** a default grid below this many workgroups (4 per SM of an H200) also tries the small blocks */
const SMALL_GRID = 2 * MIN_WORKGROUPS;
/** grad_weight's split counts the tuner tries beside the default */
const SPLIT_CHOICES = [16, 32, 64, 128];
/** a K this short (a first layer: C*KH*KW = 25) wastes much of 8-deep steps: also try 4-deep ones */
const SHORT_K = 64;

/** The GEMM a direction runs per group: M x N outputs, K deep. */
export function convGemm(kind: ConvKernel, g: ConvGeometry): { M: number; N: number; K: number; groups: number } {
  const [Cg, Og, KK] = [g.C / g.groups, g.O / g.groups, g.KH * g.KW];
  if (kind === 'forward') return { M: Og, N: g.N * g.P * g.Q, K: Cg * KK, groups: g.groups };
  if (kind === 'grad_input') return { M: Cg, N: g.N * g.H * g.W, K: Og * KK, groups: g.groups };
  return { M: Og, N: Cg * KK, K: g.N * g.P * g.Q, groups: g.groups };
}

/**
 * What the autotuner times for one direction of a convolution, pickConvTiles' choice ('default') first, at most
 * MAX_CANDIDATES, without two that resolve to the same kernel and grid. forward: the tile sets (and 4-deep K steps
 * for a short K); grad_input: also the phase decomposition when strided; both: Winograd where winogradOffered
 * says so, second, so that the cut to MAX_CANDIDATES keeps it; grad_weight: a 4 x 4 tile set and split counts.
 */
export function convCandidates(kind: ConvKernel, g: ConvGeometry): Candidate<ConvVariant>[] {
  const gemm = convGemm(kind, g);
  const grid = (t: Pick<ConvTiles, 'wgX' | 'wgY' | 'regM' | 'regN'>, n = gemm.N) =>
    Math.ceil(gemm.M / (t.wgY * t.regM)) * Math.ceil(n / (t.wgX * t.regN)) * gemm.groups;
  const small = grid(pickConvTiles(kind, gemm.M, gemm.N, gemm.K, gemm.groups)) < SMALL_GRID;
  const tiles = (name: string): TileForce => {
    const { when: _, ...t } = TILE_SETS[name];
    return t;
  };
  const list: Candidate<ConvVariant>[] = [{ name: 'default', config: {} }];
  if (kind === 'grad_weight') {
    list.push({ name: '16x16 r4x4 k8', config: { tiles: tiles('16x16 r4x4 k8') } });
    for (const splits of SPLIT_CHOICES) list.push({ name: `splits ${splits}`, config: { tiles: { splits } } });
  } else {
    if (kind === 'grad_input' && (g.SH > 1 || g.SW > 1)) {
      // each phase has about 1 / (SH * SW) of the pixels, so its grid is smaller still
      const phaseTiles = small ? '8x8 r4x4 k8' : '16x16 r4x4 k8';
      list.push({ name: 'phases', config: { phases: true } }, { name: `phases ${phaseTiles}`, config: { phases: true, tiles: tiles(phaseTiles) } });
    }
    const transposed = kind === 'grad_input' ? gradInputGeometry(g) : g;
    if (transposed && winogradOffered(transposed)) list.push({ name: 'winograd', config: { winograd: true } });
    if (gemm.K <= SHORT_K) list.push({ name: 'default k4', config: { tiles: { tileK: 4 } } });
    for (const [name, set] of Object.entries(TILE_SETS)) {
      if (set.when === 'small' && !small) continue;
      if (set.when === 'wide' && grid(set as ConvTiles) < WIDE_BLOCKS) continue;
      list.push({ name, config: { tiles: tiles(name) } });
    }
  }
  const seen = new Set<string>();
  return list.filter(({ config }) => {
    if (config.winograd) return true;
    const key = JSON.stringify([config.phases ?? false, config.phases ? config.tiles : pickConvTiles(kind, gemm.M, gemm.N, gemm.K, gemm.groups, TARGET_WORKGROUPS, config.tiles)]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, MAX_CANDIDATES);
}

/** The shape class the tuner keys a convolution direction by: its GEMM's sizes rounded up to powers of two, and the kernel's geometry. */
export function convShapeClass(kind: ConvKernel, g: ConvGeometry): string {
  const { M, N, K } = convGemm(kind, g);
  const extra = [g.groups > 1 && 'grouped', (g.DH > 1 || g.DW > 1) && `d${g.DH}x${g.DW}`].filter((f) => f);
  return [`M${pow2(M)} N${pow2(N)} K${pow2(K)} k${g.KH}x${g.KW} s${g.SH}x${g.SW}`, ...extra].join(' ');
}

/** The variant for this call: the default under setConvTiles (benchmarks sweep tiles that way), else the tuner's. */
function variantFor(kind: ConvKernel, g: ConvGeometry, measure: (v: ConvVariant) => void): ConvVariant {
  if (tilesOverride) return {};
  // setWinograd('never') takes Winograd out of the candidates
  const key = `${kind} ${winogradOffered(kind === 'grad_input' ? gradInputGeometry(g) ?? g : g)} ${JSON.stringify(g)}`;
  const offer = remember(offers, key, () => ({ shapeClass: convShapeClass(kind, g), candidates: convCandidates(kind, g) }));
  return choose(`conv.${kind}`, offer.shapeClass, offer.candidates, measure);
}
const offers = new Map<string, { shapeClass: string; candidates: Candidate<ConvVariant>[] }>();

/** out[n, o, p, q] = sum_{c,i,j} w[o, c, i, j] x[n, c, p*SH-PH+i*DH, q*SW-PW+j*DW] (+ bias[o], ReLU). */
export function convForward(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean): Tensor {
  const variant = variantFor('forward', g, (v) => forward(x, w, bias, g, relu, v).dispose());
  return forward(x, w, bias, g, relu, variant);
}

function forward(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean, v: ConvVariant): Tensor {
  if (v.winograd) return winogradConv(x, w, bias, g, relu);
  const out = empty([g.N, g.O, g.P, g.Q]);
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  launch('forward', { a: w, src: x, c: out, bias }, convGemm('forward', g), relu, {
    ...PLAIN_A, aDiv: Cg * KK, aOuter: 0, aRow: Cg * KK, aGroup: Og * Cg * KK,
    bD1: KH, bD2: KW, bOuter: HW, bH1: g.DH, bH0: 0, bW1: g.DW, bW0: 0,
    cD1: P, cD2: Q, cOuter: C * HW, cGroup: Cg * HW, cH1: g.SH, cH0: -g.PH, cW1: g.SW, cW0: -g.PW,
    GH: H, GW: W, GSH: 1, GSW: 1,
    ...plainStore(PQ), outRow: PQ, outOuter: O * PQ, outSplit: 0,
  }, v.tiles);
  return out;
}

/** dx[n, c, h, w] = sum_{o,i,j} w[o, c, i, j] dy[n, o, p, q] where h = p*SH-PH+i*DH and w = q*SW-PW+j*DW. */
export function convGradInput(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const variant = variantFor('grad_input', g, (v) => gradInput(dy, w, g, v).dispose());
  return gradInput(dy, w, g, variant);
}

function gradInput(dy: Tensor, w: Tensor, g: ConvGeometry, v: ConvVariant): Tensor {
  if (v.winograd) return winogradGradInput(dy, w, g);
  const dx = empty([g.N, g.C, g.H, g.W]);
  if (v.phases) return gradInputPhases(dx, dy, w, g, v.tiles);
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  launch('grad_input', { a: w, src: dy, c: dx, bias: null }, convGemm('grad_input', g), false, {
    ...PLAIN_A, aDiv: KK, aOuter: Cg * KK, aRow: KK, aGroup: Og * Cg * KK,
    bD1: KH, bD2: KW, bOuter: PQ, bH1: -g.DH, bH0: 0, bW1: -g.DW, bW0: 0,
    cD1: H, cD2: W, cOuter: O * PQ, cGroup: Og * PQ, cH1: 1, cH0: g.PH, cW1: 1, cW0: g.PW,
    GH: P, GW: Q, GSH: g.SH, GSW: g.SW,
    ...plainStore(HW), outRow: HW, outOuter: C * HW, outSplit: 0,
  }, v.tiles);
  return dx;
}

/**
 * grad_input as SH * SW dense GEMMs, one per output phase (rh, rw): over the phase's sub-kernel of w
 * (w[:, :, i0::step, j0::step]) and its pixels dx[:, :, rh::SH, rw::SW], so that no tap that falls between
 * dy's pixels is multiplied (3 of 4 at stride 2). Each dispatch writes its own pixels of dx.
 */
function gradInputPhases(dx: Tensor, dy: Tensor, w: Tensor, g: ConvGeometry, tiles?: TileForce): Tensor {
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  for (let rh = 0; rh < g.SH; rh++) {
    for (let rw = 0; rw < g.SW; rw++) {
      const ph = convPhase(rh, g.SH, g.PH, g.DH, KH, H);
      const pw = convPhase(rw, g.SW, g.PW, g.DW, KW, W);
      if (ph.count === 0 || pw.count === 0) continue;
      const taps = ph.taps * pw.taps;
      const gemm = { M: Cg, N: g.N * ph.count * pw.count, K: Og * taps, groups };
      launch('grad_input', { a: w, src: dy, c: dx, bias: null }, gemm, false, {
        aDiv: Math.max(1, taps), aOuter: Cg * KK, aRow: KK, aGroup: Og * Cg * KK,
        aD2: Math.max(1, pw.taps), aS1: ph.step * KW, aS2: pw.step, aBase: ph.i0 * KW + pw.i0,
        bD1: Math.max(1, ph.taps), bD2: Math.max(1, pw.taps), bOuter: PQ, bH1: -ph.dyStep, bH0: 0, bW1: -pw.dyStep, bW0: 0,
        cD1: ph.count, cD2: pw.count, cOuter: O * PQ, cGroup: Og * PQ, cH1: 1, cH0: ph.base, cW1: 1, cW0: pw.base,
        GH: P, GW: Q, GSH: 1, GSW: 1,
        outRow: HW, outOuter: C * HW, outSplit: 0,
        oD1: ph.count, oD2: pw.count, outH: g.SH * W, outW: g.SW, outBase: rh * W + rw,
      }, tiles);
    }
  }
  return dx;
}

/** dw[o, c, i, j] = sum_{n,p,q} dy[n, o, p, q] x[n, c, p*SH-PH+i*DH, q*SW-PW+j*DW], split over K then summed. */
export function convGradWeight(dy: Tensor, x: Tensor, g: ConvGeometry, target = TARGET_WORKGROUPS): Tensor {
  const variant = variantFor('grad_weight', g, (v) => gradWeight(dy, x, g, target, v).dispose());
  return gradWeight(dy, x, g, target, variant);
}

function gradWeight(dy: Tensor, x: Tensor, g: ConvGeometry, target: number, v: ConvVariant): Tensor {
  const { C, H, W, O, KH, KW, P, Q, groups } = g;
  const [Cg, Og, KK, HW, PQ] = [C / groups, O / groups, KH * KW, H * W, P * Q];
  const gemm = convGemm('grad_weight', g);
  const tiles = pickConvTiles('grad_weight', gemm.M, gemm.N, gemm.K, groups, target, v.tiles ?? tilesOverride);
  const dw = empty([O, Cg, KH, KW]);
  const partial = tiles.splits > 1 ? empty([tiles.splits, O, Cg * KK]) : dw;
  launch('grad_weight', { a: dy, src: x, c: partial, bias: null }, gemm, false, {
    ...PLAIN_A, aDiv: PQ, aOuter: O * PQ, aRow: PQ, aGroup: Og * PQ,
    bD1: P, bD2: Q, bOuter: C * HW, bH1: g.SH, bH0: -g.PH, bW1: g.SW, bW0: -g.PW,
    cD1: KH, cD2: KW, cOuter: HW, cGroup: Cg * HW, cH1: g.DH, cH0: 0, cW1: g.DW, cW0: 0,
    GH: H, GW: W, GSH: 1, GSW: 1,
    ...plainStore(Cg * KK), outRow: Cg * KK, outOuter: 0, outSplit: O * Cg * KK,
  }, undefined, tiles);
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
  | 'aDiv' | 'aOuter' | 'aRow' | 'aGroup' | 'aD2' | 'aS1' | 'aS2' | 'aBase'
  | 'bD1' | 'bD2' | 'bOuter' | 'bH1' | 'bH0' | 'bW1' | 'bW0'
  | 'cD1' | 'cD2' | 'cOuter' | 'cGroup' | 'cH1' | 'cH0' | 'cW1' | 'cW0' | 'GH' | 'GW' | 'GSH' | 'GSW'
  | 'outSplit' | 'outRow' | 'outOuter' | 'oD1' | 'oD2' | 'outH' | 'outW' | 'outBase', number>;

/** A's k % aDiv taken as one contiguous run (no sub-kernel): aD2 past any k % aDiv */
const PLAIN_A = { aD2: 1 << 30, aS1: 0, aS2: 1, aBase: 0 };
/** C's n split only by `div` (outer index, contiguous rest) */
const plainStore = (div: number) => ({ oD1: 1, oD2: div, outH: 0, outW: 1, outBase: 0 });

const NO_GATHER: Gather & Record<'M' | 'N' | 'K' | 'kPerSplit', number> = {
  M: 0, N: 0, K: 0, kPerSplit: 0, aDiv: 1, aOuter: 0, aRow: 0, aGroup: 0, ...PLAIN_A, bD1: 1, bD2: 1, bOuter: 0, bH1: 0, bH0: 0,
  bW1: 0, bW0: 0, cD1: 1, cD2: 1, cOuter: 0, cGroup: 0, cH1: 0, cH0: 0, cW1: 0, cW0: 0, GH: 0, GW: 0, GSH: 1, GSW: 1,
  outSplit: 0, outRow: 0, outOuter: 0, ...plainStore(1),
};

function launch(
  entry: ConvKernel,
  t: { a: Tensor; src: Tensor; c: Tensor; bias: Tensor | null },
  gemm: { M: number; N: number; K: number; groups: number },
  relu: boolean,
  gather: Gather,
  force?: TileForce,
  tiles = pickConvTiles(entry, gemm.M, gemm.N, gemm.K, gemm.groups, TARGET_WORKGROUPS, force ?? tilesOverride),
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
