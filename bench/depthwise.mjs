// Depthwise convolution (groups = channels): the direct kernels (shaders/depthwise.wgsl) against the grouped
// implicit GEMM (shaders/conv.wgsl), forward and backward, on the default adapter. Issue 13 asked for a direct
// kernel only if it is clearly faster; this is the measurement.
//
//   npm run build && node bench/depthwise.mjs [--reps 3]
import * as wc from '../dist/webgpu-cnn.js';

const i = process.argv.indexOf('--reps');
const reps = i > 0 ? Number(process.argv[i + 1]) : 3;
const layers = [
  // MobileNet-style layers at a small batch: [N, C, H, W], 3x3, stride
  { x: [16, 16, 32, 32], stride: 1 },
  { x: [16, 32, 16, 16], stride: 1 },
  { x: [16, 64, 8, 8], stride: 1 },
  { x: [16, 32, 16, 16], stride: 2 },
];

const adapter = await wc.init();
console.log(`adapter: ${adapter.description || adapter.device}`);

async function time(algorithm, { x: shape, stride }) {
  wc.setDepthwiseAlgorithm(algorithm);
  const C = shape[1];
  const x = wc.randn(shape, { seed: 1 });
  x.requiresGrad = true;
  const w = wc.randn([C, 1, 3, 3], { seed: 2 });
  w.requiresGrad = true;
  const run = () => {
    const y = wc.conv2d(x, w, null, { stride, padding: 1, groups: C });
    const loss = wc.sum(y);
    loss.backward();
    [y, loss].forEach((t) => t.dispose());
    x.grad?.dispose(); x.grad = null;
    w.grad?.dispose(); w.grad = null;
  };
  run();
  await wc.sync();
  const best = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    run();
    await wc.sync();
    best.push(performance.now() - t);
  }
  x.dispose();
  w.dispose();
  return Math.min(...best);
}

for (const layer of layers) {
  const direct = await time('direct', layer);
  const gemm = await time('gemm', layer);
  console.log(`x ${JSON.stringify(layer.x)} 3x3 stride ${layer.stride}: direct ${direct.toFixed(1)} ms, grouped GEMM ${gemm.toFixed(1)} ms (forward + backward, best of ${reps}); GEMM / direct = ${(gemm / direct).toFixed(1)}x`);
}
wc.setDepthwiseAlgorithm(null);
process.exit(0);
