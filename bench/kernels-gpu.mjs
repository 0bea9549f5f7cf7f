// GPU check and timing of the discrete-GPU kernels (matmul.wgsl register_tiled, conv.wgsl implicit GEMM), through
// the built library (dist/), with GPU times from timestamp queries. Usage: node bench/kernels-gpu.mjs [--quick]
// Prints a sanity check (max error against a float64 product, implicit vs im2col convolution), then per-config
// matmul TFLOP/s and per-kernel conv times.
import * as wc from '../dist/webgpu-cnn.js';

const quick = process.argv.includes('--quick');
const adapter = await wc.init({ dawnFlags: ['disable-dawn-features=timestamp_quantization'] });
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}, ${adapter.architecture}), cpu ${adapter.cpu}`);

/** GPU ms per call of fn (median-free: total over reps / reps, after a warm-up), per kernel label. */
async function profile(fn, reps) {
  wc.scope(() => { fn(); });
  await wc.sync();
  wc.startProfile();
  for (let r = 0; r < reps; r++) wc.scope(() => { fn(); });
  const times = await wc.stopProfile();
  return times.map((t) => ({ kernel: t.kernel, ms: t.ms / reps }));
}
const total = (ts) => ts.reduce((s, t) => s + t.ms, 0);

// 1. correctness of register_tiled on the GPU against float64
{
  const [m, k, n] = [515, 389, 263];
  const a = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37));
  const b = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11));
  for (const config of [null, { entry: 'register_tiled', wgX: 16, wgY: 8, tileK: 16, regM: 8, regN: 8, vec4: true }]) {
    wc.setMatmulConfig(config);
    const c = await wc.matmul(wc.tensor(a, [m, k]), wc.tensor(b, [k, n])).data();
    let worst = 0;
    for (let i = 0; i < m; i += 7) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      worst = Math.max(worst, Math.abs(s - c[i * n + j]));
    }
    console.log(`check matmul ${m}x${k}x${n} ${JSON.stringify(config)}: max abs error ${worst.toExponential(2)}`);
  }
  wc.setMatmulConfig(null);
}
// 2. implicit vs im2col convolution (forward, dx, dw) on the GPU
for (const [xs, ws, opt] of [[[8, 16, 15, 15], [24, 16, 3, 3], { padding: 1, stride: 2 }], [[4, 3, 28, 28], [32, 3, 5, 5], { padding: 2 }]]) {
  const res = {};
  for (const alg of ['implicit', 'im2col']) {
    wc.setConvAlgorithm(alg);
    const x = wc.randn(xs, { seed: 1 }); x.requiresGrad = true;
    const w = wc.randn(ws, { seed: 2 }); w.requiresGrad = true;
    const y = wc.conv2d(x, w, null, opt);
    wc.sum(wc.mul(y, y)).backward();
    res[alg] = [await y.data(), await x.grad.data(), await w.grad.data()];
  }
  const diff = res.implicit.map((v, i) => v.reduce((s, e, j) => Math.max(s, Math.abs(e - res.im2col[i][j]) / (1 + Math.abs(res.im2col[i][j]))), 0));
  console.log(`check conv x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opt)}: implicit vs im2col max rel diff fwd ${diff[0].toExponential(2)} dx ${diff[1].toExponential(2)} dw ${diff[2].toExponential(2)}`);
}
wc.setConvAlgorithm(null);

// 3. matmul timings
const sizes = quick ? [4096] : [2048, 4096];
const mm = [
  { entry: 'tiled', wgX: 16, wgY: 16, tileK: 16, vec4: true },
  { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 8, regM: 8, regN: 8, vec4: false },
  { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 8, regM: 8, regN: 8, vec4: true },
  { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 4, regM: 8, regN: 8, vec4: false },
  { entry: 'register_tiled', wgX: 32, wgY: 8, tileK: 8, regM: 8, regN: 8, vec4: false },
  { entry: 'register_tiled', wgX: 8, wgY: 32, tileK: 8, regM: 8, regN: 8, vec4: false },
  { entry: 'register_tiled', wgX: 16, wgY: 16, tileK: 16, regM: 8, regN: 8, vec4: false },
];
for (const n of sizes) {
  const a = wc.rand([n, n], { seed: 1 });
  const b = wc.rand([n, n], { seed: 2 });
  for (const config of mm) {
    wc.setMatmulConfig(config);
    const ms = total(await profile(() => wc.matmul(a, b), 5));
    console.log(`matmul ${n} ${JSON.stringify(config)}: ${ms.toFixed(3)} ms, ${((2 * n ** 3) / (ms * 1e9)).toFixed(1)} TFLOP/s`);
  }
  a.dispose(); b.dispose();
}
wc.setMatmulConfig(null);

// 4. conv timings: forward + backward once under the profiler, per kernel
const convs = [
  [[64, 1, 28, 28], [32, 1, 5, 5], { padding: 2 }],
  [[64, 32, 14, 14], [64, 32, 5, 5], { padding: 2 }],
  [[32, 64, 32, 32], [64, 64, 3, 3], { padding: 1 }],
  [[32, 64, 32, 32], [64, 64, 3, 3], { padding: 1, stride: 2 }],
  [[256, 32, 14, 14], [64, 32, 5, 5], { padding: 2 }],
  [[256, 64, 32, 32], [64, 64, 3, 3], { padding: 1 }],
];
const tileSweep = quick ? [null] : [null, { wgX: 16, wgY: 16, regM: 4, regN: 8, tileK: 16 }, { wgX: 16, wgY: 16, regM: 4, regN: 4, tileK: 8 }, { wgX: 16, wgY: 16, regM: 8, regN: 4, tileK: 8 }, null];
for (const [xs, ws, opt] of convs) {
  const x = wc.randn(xs, { seed: 1 }); x.requiresGrad = true;
  const w = wc.randn(ws, { seed: 2 }); w.requiresGrad = true;
  const step = () => { const y = wc.conv2d(x, w, null, opt); wc.sum(y).backward(); x.grad = null; w.grad = null; };
  for (const alg of ['im2col', 'implicit']) {
    wc.setConvAlgorithm(alg);
    for (const tiles of alg === 'implicit' ? tileSweep : [null]) {
      wc.setConvTiles(tiles);
      const ts = await profile(step, 10);
      const conv = ts.filter((t) => t.kernel.startsWith('conv.'));
      const by = (e) => conv.filter((t) => t.kernel.startsWith(`conv.${e}`)).reduce((s, t) => s + t.ms, 0).toFixed(3);
      const detail = alg === 'implicit' ? ` fwd ${by('forward')} dx ${by('grad_input')} dw ${by('grad_weight')} + reduce ${by('reduce_splits')}` : '';
      console.log(`conv x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opt)} ${alg}${tiles ? ' ' + JSON.stringify(tiles) : ''}: all kernels ${total(ts).toFixed(3)} ms${detail}`);
    }
    wc.setConvTiles(null);
  }
  x.dispose(); w.dispose();
}
