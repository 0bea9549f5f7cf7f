// Times conv2d forward, grad-input and grad-weight on this machine's adapter, in Node, through dist/.
// Usage: npm run bench:conv [-- --rounds 3]
// grad-input is timed as (forward + backward with only x requiring grad) - forward, grad-weight likewise with
// only w requiring grad: the tape launches only the gradients somebody needs.
import * as wc from '../dist/webgpu-cnn.js';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] || 3);
const shapes = [
  { name: 'x[64,32,14,14] * w[64,32,5,5] pad 2', x: [64, 32, 14, 14], w: [64, 32, 5, 5], stride: 1, padding: 2 },
  { name: 'x[32,64,32,32] * w[64,64,3,3] pad 1', x: [32, 64, 32, 32], w: [64, 64, 3, 3], stride: 1, padding: 1 },
  { name: 'x[32,64,32,32] * w[64,64,3,3] pad 1 stride 2', x: [32, 64, 32, 32], w: [64, 64, 3, 3], stride: 2, padding: 1 },
];

const adapter = await wc.init();
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}, ${adapter.architecture})`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const times = [];
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = performance.now();
    const t = fn();
    await t.data();
    t.dispose();
    if (r > 0) times.push(performance.now() - t0); // round 0 compiles pipelines
  }
  return median(times);
}

for (const s of shapes) {
  const x = wc.randn(s.x, { seed: 1 });
  const w = wc.randn(s.w, { seed: 2, std: 0.05 });
  const opts = { stride: s.stride, padding: s.padding };
  const outShape = wc.noGrad(() => { const o = wc.conv2d(x, w, null, opts); const sh = o.shape; o.dispose(); return sh; });
  const dy = wc.randn(outShape, { seed: 3 });
  const forward = await time(() => wc.conv2d(x, w, null, opts));
  const withGrad = (which) => () => {
    which.requiresGrad = true;
    const out = wc.conv2d(x, w, null, opts);
    out.backward(dy);
    out.dispose();
    which.requiresGrad = false;
    const g = which.grad;
    which.grad = null;
    return g;
  };
  const inputGrad = (await time(withGrad(x))) - forward;
  const weightGrad = (await time(withGrad(w))) - forward;
  const [N, C] = s.x;
  const [O, , KH, KW] = s.w;
  const flops = 2 * N * O * outShape[2] * outShape[3] * C * KH * KW;
  const rate = (ms) => `${(flops / (ms * 1e6)).toFixed(2)} GFLOP/s`;
  console.log(`${s.name.padEnd(46)} forward ${forward.toFixed(0).padStart(6)} ms (${rate(forward)})  grad-input ${inputGrad.toFixed(0).padStart(6)} ms (${rate(inputGrad)})  grad-weight ${weightGrad.toFixed(0).padStart(6)} ms (${rate(weightGrad)})`);
  [x, w, dy].forEach((t) => t.dispose());
}
process.exit(0);
