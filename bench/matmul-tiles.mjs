// Times the matmul kernel's shapes on this machine's adapter, in Node, through the built library (dist/).
// Usage: npm run bench:tiles [-- --sizes 256,512,1024 --reps 3 --only 'blocked 8x8']
// Each measurement records `reps` products into one submit and reads the last back, so the per-product time
// excludes most of the submit and readback cost; the median of 3 such rounds is reported.
import * as wc from '../dist/webgpu-cnn.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = opt('sizes', '256,512,1024').split(',').map(Number);
const reps = Number(opt('reps', '3'));
const only = opt('only', ''); // run only the kernel shapes whose name contains this text

const configs = [];
for (const vec4 of [false, true]) {
  configs.push(
    { entry: 'blocked', wgX: 8, wgY: 8, tileK: 16, vec4 },
    { entry: 'blocked', wgX: 16, wgY: 16, tileK: 16, vec4 },
    { entry: 'blocked', wgX: 4, wgY: 4, tileK: 16, vec4 },
    { entry: 'blocked', wgX: 64, wgY: 1, tileK: 16, vec4 },
    { entry: 'tiled', wgX: 8, wgY: 8, tileK: 16, vec4 },
    { entry: 'tiled', wgX: 16, wgY: 16, tileK: 16, vec4 },
    { entry: 'tiled', wgX: 8, wgY: 8, tileK: 32, vec4 },
  );
}

const adapter = await wc.init();
console.log(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}, ${adapter.architecture})`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const n of sizes) {
  const a = wc.rand([n, n], { seed: 1 });
  const b = wc.rand([n, n], { seed: 2 });
  for (const config of configs) {
    const name = `${config.entry} ${config.wgX}x${config.wgY}${config.entry === 'tiled' ? ` k${config.tileK}` : ''}${config.vec4 ? ' vec4' : ''}`;
    if (only && !name.includes(only)) continue;
    wc.setMatmulConfig(config);
    await wc.matmul(a, b).data(); // warm-up: compiles the pipeline
    const times = [];
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      let c;
      for (let r = 0; r < reps; r++) {
        c?.dispose();
        c = wc.matmul(a, b);
      }
      await c.data();
      c.dispose();
      times.push((performance.now() - t0) / reps);
    }
    const ms = median(times);
    const gflops = (2 * n ** 3) / (ms * 1e6);
    rows.push({ n, kernel: name, ms: ms.toFixed(1), gflops: gflops.toFixed(2) });
    console.log(`N=${n}  ${name.padEnd(25)} ${ms.toFixed(1).padStart(9)} ms  ${gflops.toFixed(2).padStart(7)} GFLOP/s`);
  }
  a.dispose();
  b.dispose();
}
wc.setMatmulConfig(null);
if (args.includes('--json')) console.log(JSON.stringify(rows));
process.exit(0);
