// The quick start's demonstration in Node, until the MNIST trainer lands: fits a small tanh network to a noisy
// sine with plain gradient descent, entirely on the GPU (SwiftShader when there is none), through the built
// library. Prints the adapter, the loss as it falls, and the time per step.
import * as wc from '../dist/webgpu-cnn.js';

const adapter = await wc.init();
console.log(`webgpu-cnn on ${adapter.description || adapter.device} (${adapter.vendor}/${adapter.architecture})`);

// Data: y = sin(3x) + noise for 256 points in [-1, 1].
const n = 256;
const xs = Float32Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
const ys = xs.map((x, i) => Math.sin(3 * x) + 0.05 * Math.sin(12345.678 * (i + 1)));
const x = wc.tensor(xs, [n, 1]);
const y = wc.tensor(ys, [n, 1]);

// Parameters: 1 -> 32 -> 1.
const param = (t) => ((t.requiresGrad = true), t);
const p = {
  w1: param(wc.randn([1, 32], { seed: 1, std: 1 })),
  b1: param(wc.zeros([32])),
  w2: param(wc.randn([32, 1], { seed: 2, std: 0.2 })),
  b2: param(wc.zeros([1])),
};

const lr = wc.full([1], 0.1);
const steps = 300;
const t0 = performance.now();
for (let step = 1; step <= steps; step++) {
  const loss = wc.scope(() => {
    const h = wc.tanh(wc.add(wc.matmul(x, p.w1), p.b1));
    const pred = wc.add(wc.matmul(h, p.w2), p.b2);
    const err = wc.sub(pred, y);
    return wc.mean(wc.mul(err, err));
  });
  loss.backward();
  // w <- w - lr * grad, into a new tensor that replaces the old one (the optimisers will do this in place).
  wc.noGrad(() => {
    for (const [name, w] of Object.entries(p)) {
      const next = wc.scope(() => wc.sub(w, wc.mul(w.grad, lr)));
      next.requiresGrad = true;
      w.dispose();
      p[name] = next;
    }
  });
  if (step === 1 || step % 50 === 0) {
    const value = (await loss.data())[0];
    const ms = (performance.now() - t0) / step;
    console.log(`step ${String(step).padStart(3)}  loss ${value.toFixed(5)}  (${ms.toFixed(1)} ms/step)`);
  }
  loss.dispose();
}
console.log('memory:', wc.memory());
process.exit(0);
