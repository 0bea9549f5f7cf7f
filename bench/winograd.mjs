// Winograd convolution, F(2x2, 3x3) and F(4x4, 3x3) (shaders/winograd.wgsl), against the path conv2d takes
// without it on this adapter (im2col on a CPU adapter, the tuned implicit GEMM on a GPU): GPU time per call of the
// forward and of the input gradient, from timestamp queries, and how far each result is from that path's. On a
// GPU it also runs the batch-256 shapes of issue 11 (W2/W3). Its numbers decide where setWinograd's 'auto' should
// use which.
//
//   npm run build && node bench/winograd.mjs [--reps 3] [--big]
import * as wc from '../dist/webgpu-cnn.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '3'));
const adapter = await wc.init({ dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
const big = !adapter.cpu || process.argv.includes('--big');
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.cpu ? 'CPU' : 'GPU'}); ${new Date().toISOString()}`);

// the stride-1 W2/W3 shapes of bench/workloads.mjs, and their batch-256 versions on a GPU
const shapes = [
  { x: [64, 32, 14, 14], w: [64, 32, 5, 5], padding: 2 },
  { x: [32, 64, 32, 32], w: [64, 64, 3, 3], padding: 1 },
  { x: [32, 16, 14, 14], w: [32, 16, 3, 3], padding: 1 },
];
if (big) shapes.push({ x: [256, 32, 14, 14], w: [64, 32, 5, 5], padding: 2 }, { x: [256, 64, 32, 32], w: [64, 64, 3, 3], padding: 1 });

/** GPU ms per call of run(prepare()) (median of reps profiled calls after a warm-up; prepare is not timed) and its last result. */
async function measure(prepare, run) {
  run(prepare()).dispose();
  await wc.sync();
  const ms = [];
  for (let r = 0; r < reps; r++) {
    const input = prepare();
    wc.startProfile();
    run(input).dispose();
    ms.push((await wc.stopProfile()).reduce((sum, k) => sum + k.ms, 0));
  }
  const out = run(prepare());
  const data = await out.data();
  out.dispose();
  return { ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)], data };
}

const flops = (s) => 2 * s.x[0] * s.w[0] * s.x[1] * s.w[2] * s.w[3] * s.x[2] * s.x[3];
const fmt = (ms) => (ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
console.log('| shape | direction | without | F(2x2, 3x3) | speed-up | max abs difference | F(4x4, 3x3) | speed-up | max abs difference |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of shapes) {
  const x = wc.randn(s.x, { seed: 1 });
  const w = wc.randn(s.w, { seed: 2 });
  const dy = wc.randn([s.x[0], s.w[0], s.x[2], s.x[3]], { seed: 3 });
  const xg = wc.randn(s.x, { seed: 1 });
  xg.requiresGrad = true;
  const directions = {
    forward: [() => null, () => wc.conv2d(x, w, null, { padding: s.padding })],
    // the forward runs untimed; the backward from it is dx alone
    'input gradient': [
      () => wc.conv2d(xg, w, null, { padding: s.padding }),
      (y) => {
        y.backward(dy);
        y.dispose();
        const g = xg.grad;
        xg.grad = null;
        return g;
      },
    ],
  };
  for (const [direction, [prepare, run]] of Object.entries(directions)) {
    const result = {};
    for (const [name, mode, tile] of [['never', 'never', 2], ['always', 'always', 2], ['four', 'always', 4]]) {
      wc.setWinograd(mode, { tile });
      result[name] = await measure(prepare, run);
    }
    wc.setWinograd(null);
    const diffTo = (r) => {
      let d = 0;
      result.never.data.forEach((v, i) => (d = Math.max(d, Math.abs(v - r.data[i]))));
      return d;
    };
    const { never, always, four } = result;
    const gflops = (ms) => { const g = flops(s) / ms / 1e6; return g < 100 ? g.toPrecision(3) : g.toFixed(0); };
    console.log(
      `| x[${s.x}] w[${s.w}] p${s.padding} | ${direction} | ${fmt(never.ms)} ms (${gflops(never.ms)} GFLOP/s) | ${fmt(always.ms)} ms (${gflops(always.ms)}) | ${(never.ms / always.ms).toFixed(2)}x | ${diffTo(always).toExponential(1)} | ${fmt(four.ms)} ms (${gflops(four.ms)}) | ${(never.ms / four.ms).toFixed(2)}x | ${diffTo(four).toExponential(1)} |`,
    );
  }
  [x, w, dy, xg].forEach((t) => t.dispose());
}
console.log("GFLOP/s count the direct form's multiply-adds (2 per tap), as the other benchmarks do.");
process.exit(0);
