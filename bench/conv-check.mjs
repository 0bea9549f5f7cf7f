// Every convolution variant the autotuner may pick, on this adapter, against a float64 reference written here:
// forward, input gradient and weight gradient of conv2d, and convTranspose2d through them, on odd shapes with
// strides, padding, dilation and groups. test/kernels/conv-variants.test.ts does this under vitest on
// SwiftShader; a GPU machine has no vitest, and its shader compiler and tile choices differ, so this runs there.
//   npm run build && node bench/conv-check.mjs
import * as wc from '../dist/webgpu-cnn.js';

const adapter = await wc.init();
wc.tuning.enable(false);
wc.setConvAlgorithm('implicit');

const cases = [
  { x: [3, 1, 7, 5], w: [3, 1, 5, 5], padding: [2, 2] },
  { x: [2, 8, 13, 13], w: [16, 8, 3, 3], stride: [2, 2], padding: [1, 1] },
  { x: [3, 3, 13, 13], w: [4, 3, 3, 3], stride: [2, 2], padding: [2, 1], dilation: [2, 2] },
  { x: [3, 6, 7, 5], w: [9, 2, 5, 5], stride: [2, 2], padding: [2, 2], groups: 3 },
  { x: [2, 8, 9, 9], w: [8, 4, 3, 3], padding: [1, 1], groups: 2 },
  { x: [2, 16, 9, 9], w: [16, 1, 3, 3], padding: [1, 1], groups: 16, depthwiseGemm: true },
  { x: [4, 32, 14, 14], w: [64, 32, 5, 5], padding: [2, 2] },
];

let seed = 1;
const random = (n) => Float64Array.from({ length: n }, () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
});

/** y = conv(x, w), and for a given r (dL/dy): dx and dw, by the definition, in float64. */
function reference(c, xs, ws, r) {
  const [N, C, H, W] = c.x;
  const [O, Cg, KH, KW] = c.w;
  const [SH, SW] = c.stride ?? [1, 1];
  const [PH, PW] = c.padding ?? [0, 0];
  const [DH, DW] = c.dilation ?? [1, 1];
  const G = c.groups ?? 1;
  const P = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
  const Q = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
  const y = new Float64Array(N * O * P * Q);
  const dx = new Float64Array(xs.length);
  const dw = new Float64Array(ws.length);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
    const g = Math.floor(o / (O / G));
    for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
      const yi = ((n * O + o) * P + p) * Q + q;
      let s = 0;
      for (let cc = 0; cc < Cg; cc++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
        const h = p * SH - PH + i * DH;
        const v = q * SW - PW + j * DW;
        if (h < 0 || h >= H || v < 0 || v >= W) continue;
        const xi = ((n * C + g * Cg + cc) * H + h) * W + v;
        const wi = ((o * Cg + cc) * KH + i) * KW + j;
        s += xs[xi] * ws[wi];
        if (r) {
          dx[xi] += r[yi] * ws[wi];
          dw[wi] += r[yi] * xs[xi];
        }
      }
      y[yi] = s;
    }
  }
  return { y, dx, dw, shape: [N, O, P, Q] };
}

/** The largest error as a share of what is allowed (1e-4 absolute plus 1e-4 relative): at most 1 passes. */
function worst(got, want) {
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / (1e-4 + 1e-4 * Math.abs(want[i]));
    if (!(err <= bad)) bad = Number.isNaN(err) ? Infinity : Math.max(bad, err);
  }
  return bad;
}

console.log(`adapter: ${adapter.description || adapter.vendor}`);
let failures = 0;
for (const c of cases) {
  const xs = random(c.x.reduce((a, b) => a * b));
  const ws = random(c.w.reduce((a, b) => a * b));
  const shapeY = reference(c, xs, ws, null).shape;
  const r = random(shapeY.reduce((a, b) => a * b));
  const want = reference(c, xs, ws, r);
  const opts = { stride: c.stride ?? 1, padding: c.padding ?? 0, dilation: c.dilation ?? 1, groups: c.groups ?? 1 };
  wc.setDepthwiseAlgorithm(c.depthwiseGemm ? 'gemm' : null);
  const x = wc.tensor(Float32Array.from(xs), c.x, { requiresGrad: true });
  const w = wc.tensor(Float32Array.from(ws), c.w, { requiresGrad: true });
  const dy = wc.tensor(Float32Array.from(r), shapeY);
  // one plain call to learn what the tuner would offer for each direction
  const run = async () => {
    const y = wc.conv2d(x, w, null, opts);
    y.backward(dy);
    const out = [await y.data(), await x.grad.data(), await w.grad.data()];
    y.dispose();
    for (const t of [x, w]) {
      t.grad.dispose();
      t.grad = null;
    }
    return out;
  };
  await run();
  const offered = Object.fromEntries(['forward', 'grad_input', 'grad_weight'].map((k) => [k, wc.tuning.lastCandidates(`conv.${k}`)?.names ?? ['default']]));
  const lines = [];
  for (const [index, kind] of ['forward', 'grad_input', 'grad_weight'].entries()) {
    for (const name of offered[kind]) {
      wc.tuning.force(`conv.${kind}`, name);
      let err;
      try {
        const out = await run();
        err = worst(out[index], [want.y, want.dx, want.dw][index]);
      } catch (e) {
        err = `error: ${String(e?.message ?? e).split('\n')[0]}`;
      }
      wc.tuning.force(`conv.${kind}`, null);
      const ok = typeof err === 'number' && err <= 1;
      if (!ok) failures++;
      lines.push(`${kind} "${name}": ${typeof err === 'number' ? `${err.toFixed(2)} of the tolerance` : err}${ok ? '' : '  <-- FAIL'}`);
    }
  }
  console.log(`x ${JSON.stringify(c.x)} w ${JSON.stringify(c.w)} ${JSON.stringify(opts)}${c.depthwiseGemm ? ' (depthwise as a grouped GEMM)' : ''}:\n  ${lines.join('\n  ')}`);
  [x, w, dy].forEach((t) => t.dispose());
}
wc.setDepthwiseAlgorithm(null);
console.log(failures ? `${failures} variant(s) failed` : 'every variant matches the float64 reference');
process.exitCode = failures ? 1 : 0;
