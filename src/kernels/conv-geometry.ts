/**
 * A convolution's geometry, and the output phases of a strided one's input gradient (the pixels of dx that the
 * same taps of the kernel reach, which the implicit-GEMM grad_input and the patch path both compute phase by
 * phase, so that no tap falling between dy's pixels is multiplied). Pure: no GPU.
 */

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

/**
 * One output phase along an axis of a strided input gradient: the pixels h = r + S*h' (count of them), the taps
 * i = i0 + t*step of the kernel that reach them (taps of them; 0: none, the phase's dx is zero), and the dy row
 * they read, p = h' + base - t*dyStep. From p*S - pad + i*D = h: i*D = r + pad (mod S), whose solutions repeat
 * every S / gcd(S, D) taps.
 */
export function convPhase(r: number, S: number, pad: number, D: number, K: number, size: number) {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const step = S / gcd(S, D);
  const count = r < size ? Math.ceil((size - r) / S) : 0;
  for (let i0 = 0; i0 < Math.min(K, step); i0++) {
    if ((((r + pad - i0 * D) % S) + S) % S === 0) {
      return { count, i0, step, taps: Math.ceil((K - i0) / step), base: (r + pad - i0 * D) / S, dyStep: (step * D) / S };
    }
  }
  return { count, i0: 0, step, taps: 0, base: 0, dyStep: 0 };
}
