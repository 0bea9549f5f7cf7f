/**
 * Launchers for shaders/winograd.wgsl: a stride-1 convolution as Winograd's F(4x4, 3x3) (or F(2x2, 3x3)), its
 * kernel cut into blocks of 3x3 taps. Per 4x4 block of outputs and 3x3 block of taps F(4x4, 3x3) multiplies 36
 * values where im2col's GEMM multiplies 144 (F(2x2, 3x3): 16 per 2x2 outputs where it multiplies 36), and the
 * transformed input is smaller than im2col's patches. The input gradient of such a convolution is one too (of
 * dy, with the kernel flipped and transposed), so both directions use it; the weight gradient stays with im2col.
 * They never touch the autograd tape.
 */
import { empty, type Tensor } from '../tensor';
import { runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';
import { gemm } from './matmul';
import { evenChunk, gradInputGeometry, patchBufferLimit } from './im2col';
import type { ConvGeometry } from './conv-geometry';

const WORKGROUP = 256;

/**
 * auto: on CPU adapters, for layers of at least MIN_CHANNELS input and output channels; always: wherever the
 * shape allows (tests, benchmarks); never: im2col or implicit GEMM as before.
 */
export type WinogradMode = 'auto' | 'always' | 'never';
let mode: WinogradMode = 'auto';

/**
 * Forces where Winograd runs (tests, benchmarks), and which: `tile: 4` (the default) is F(4x4, 3x3), 2.25
 * products per output and 3x3 block of taps; `tile: 2` is F(2x2, 3x3), 4 products, with about a tenth of the
 * rounding error. On SwiftShader the 3x3 layer of bench/winograd.mjs ran 3.1x the im2col path with 4 and 1.8x with
 * 2; the largest difference from it was 6e-4 against 6e-5, on outputs up to 117 summing 576 products.
 * null restores 'auto' with F(4x4, 3x3).
 */
export function setWinograd(m: WinogradMode | null, options: { tile?: 2 | 4 } = {}): void {
  mode = m ?? 'auto';
  tileSize = options.tile ?? 4;
  kernelChoices.changed();
}

/**
 * Below this many channels on either side the GEMM in the middle is too thin to pay for the transforms (a first
 * layer has C = 1).
 */
const MIN_CHANNELS = 8;

/** Blocks of 3x3 taps that cover the kernel: along its width, and in all. */
const blocksOf = (g: ConvGeometry) => ({ BW: Math.ceil(g.KW / 3), blocks: Math.ceil(g.KH / 3) * Math.ceil(g.KW / 3) });

/**
 * Whether Winograd computes this convolution, and with at most 2/3 of the direct form's products: stride 1, no
 * dilation, one group, and a kernel that blocks of 3x3 taps cover with little padding (3x3, 5x5, 3x5, 6x6; not
 * 1x1, 2x2, 4x4 or 7x7, which its 4 products per output and block would not speed up).
 */
export function winogradFits(g: ConvGeometry): boolean {
  const plain = g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1 && g.groups === 1;
  return plain && 3 * 4 * blocksOf(g).blocks <= 2 * g.KH * g.KW;
}

/** Whether conv2d computes this convolution (or the one giving its input gradient) with Winograd here. */
export function useWinograd(g: ConvGeometry): boolean {
  if (mode === 'never' || !winogradFits(g)) return false;
  return mode === 'always' || (runtime().adapter.cpu && wideEnough(g));
}

const wideEnough = (g: ConvGeometry) => g.C >= MIN_CHANNELS && g.O >= MIN_CHANNELS;

/**
 * Whether the GPU autotuner times Winograd beside the implicit GEMM for this convolution (mode 'auto', a shape
 * it fits, channels enough): on a GPU nobody has measured yet whether its fewer products beat the extra passes
 * over memory, so the tuner decides per adapter and shape.
 */
export function winogradOffered(g: ConvGeometry): boolean {
  return mode === 'auto' && winogradFits(g) && wideEnough(g);
}

type Entry = 'weights' | 'input' | 'output';

/** Outputs per tile side: 4, F(4x4, 3x3), or 2, F(2x2, 3x3) (setWinograd's `tile`). */
let tileSize: 2 | 4 = 4;

function launch(entry: Entry, count: number, t: { src: Tensor; dst: Tensor; bias?: Tensor | null }, params: Record<string, number>, constants: Record<string, boolean | number> = {}): void {
  const rt = runtime();
  rt.launch({
    shader: 'winograd',
    entry,
    constants: { WORKGROUP, ...constants },
    bindings: entry === 'output' ? { src: t.src.buffer, dst: t.dst.buffer, bias: t.bias?.buffer ?? null } : { src: t.src.buffer, dst: t.dst.buffer },
    params: { count, n0: 0, tiles: 0, T: 0, ...params },
    workgroups: rt.grid1d(Math.ceil(count / WORKGROUP)),
  });
}

/**
 * out [N, O, P, Q] = x [N, C, H, W] convolved with w [O, C, KH, KW] (+ bias, ReLU), stride 1, g's padding.
 * With `flip`, w is instead [C, O, KH, KW], the weights of the convolution whose input gradient this is: the
 * kernel used is w'[o][c][i][j] = w[c][o][KH - 1 - i][KW - 1 - j].
 */
export function winogradConv(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean, flip = false): Tensor {
  const { N, C, H, W, O, P, Q, PH, PW, KH, KW } = g;
  const { BW, blocks } = blocksOf(g);
  const K = C * blocks;
  const TILE = tileSize;
  const positions = (TILE + 2) ** 2;
  const tilesH = Math.ceil(P / TILE);
  const tilesW = Math.ceil(Q / TILE);
  const perImage = tilesH * tilesW;
  // The transformed input [positions, K, T] and the products [positions, O, T] of a chunk of images together stay
  // under the limit, and the chunks are as even as can be, so that the pool can hand every chunk the same two buffers.
  const chunk = evenChunk(N, Math.floor(patchBufferLimit() / (positions * (K + O) * perImage * 4)));
  const shape = { C, H, W, O, P, Q, PH, PW, KH, KW, BW, blocks, tilesH, tilesW };

  const u = empty([positions, O, K]);
  launch('weights', O * K, { src: w, dst: u }, shape, { FLIP: flip, TILE });
  const out = empty([N, O, P, Q]);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const tiles = Math.min(chunk, N - n0) * perImage;
    // a multiple of 4 keeps the GEMM on 16-byte loads and stores; the extra tiles are zeros, never read back
    const T = Math.ceil(tiles / 4) * 4;
    const v = empty([positions, K, T]);
    launch('input', K * T, { src: x, dst: v }, { ...shape, n0, tiles, T }, { TILE });
    const m = gemm(u, v, { m: O, n: T, k: K, batch: positions, strideA: O * K, strideB: K * T });
    v.dispose();
    launch('output', O * tiles, { src: m, dst: out, bias }, { ...shape, n0, tiles, T }, { BIAS: !!bias, RELU: relu, TILE });
    m.dispose();
  }
  u.dispose();
  return out;
}

/** Whether conv2d computes g's input gradient with Winograd here (as the stride-1 convolution giving it). */
export function useWinogradGradInput(g: ConvGeometry): boolean {
  const t = gradInputGeometry(g);
  return t !== null && useWinograd(t);
}

/** dx [N, C, H, W] of a stride-1 convolution with padding below the kernel's size: Winograd on dy with w flipped. */
export function winogradGradInput(dy: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  const t = gradInputGeometry(g);
  if (!t) throw new Error(`webgpu-cnn conv2d: Winograd input gradient needs stride 1 and padding below the kernel size (${JSON.stringify(g)})`);
  return winogradConv(dy, w, null, t, false, true);
}
