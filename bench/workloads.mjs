// The benchmark's workloads, shared by the browser suite (bench/run.mjs drives bench/page/) and the Node suite
// (bench/node.mjs), for webgpu-cnn (`ours`), TensorFlow.js (`theirs`) and jax-js (`jaxjs`, in workloads-jax.mjs).
// Plain JavaScript so that Node 20 runs it as it is; the libraries come in as arguments (`wc`, `tf`, `jax`).
//
// Every workload builder returns { before?, call, live?, dispose }: `before` is untimed set-up for one call (the
// forward pass whose backward is timed; several befores queue up for several calls), `call` records the timed
// work and returns its outputs without waiting for them, `live` lists state that a call updates (a training
// step's parameters) and that a timing must also wait for. How each library waits (a sync, a one-element read,
// blockUntilReady) and how it is timed lives in bench/timing.mjs.
// Layouts are each library's own: ours and jax-js NCHW with OIHW weights (PyTorch), TF.js NHWC with HWIO weights.

export const CONV_SHAPES = [
  { name: 'x[64,1,28,28] w[32,1,5,5] p2', x: [64, 1, 28, 28], w: [32, 1, 5, 5], stride: 1, padding: 2 },
  { name: 'x[64,32,14,14] w[64,32,5,5] p2', x: [64, 32, 14, 14], w: [64, 32, 5, 5], stride: 1, padding: 2 },
  { name: 'x[32,64,32,32] w[64,64,3,3] p1', x: [32, 64, 32, 32], w: [64, 64, 3, 3], stride: 1, padding: 1 },
  { name: 'x[32,64,32,32] w[64,64,3,3] p1 s2', x: [32, 64, 32, 32], w: [64, 64, 3, 3], stride: 2, padding: 1 },
];

/** A conv shape with another batch size (quick mode runs small batches). */
function withBatch(shape, n) {
  const x = [n, ...shape.x.slice(1)];
  return { ...shape, x, name: shape.name.replace(/^x\[\d+/, `x[${n}`) };
}

export function convGeometry(s) {
  const [N, C, H, W] = s.x;
  const [O, , KH, KW] = s.w;
  const P = Math.floor((H + 2 * s.padding - KH) / s.stride) + 1;
  const Q = Math.floor((W + 2 * s.padding - KW) / s.stride) + 1;
  return { N, C, H, W, O, KH, KW, P, Q, flops: 2 * N * O * P * Q * C * KH * KW };
}

/**
 * The list of timed workloads (W1-W4, T) and the cold-start settings (W5, W6).
 * quick: W1 N=256, W2 first shape at batch 8, W3 second shape at batch 4, W4 and W5/W6 at batch 8; 1 warm-up, 2 reps.
 * gpu (an adapter that is not a CPU, Node suite): also matmul 2048 and 4096, the W2/W3 shapes at batch 256 and the
 * LeNet step at batch 256, the sizes of the H200 table in /work/shared/gpu/README.md.
 * T rows: forward, forward + input gradient, forward + weight gradient of one conv, for the throughput columns.
 */
export function plan({ quick = false, warmup, reps, trainReps, gpu = false, throughputRows = false } = {}) {
  const w = warmup ?? 1;
  const r = reps ?? (quick ? 2 : 5);
  const rt = trainReps ?? reps ?? (quick ? 2 : 3);
  const items = [];
  const matmuls = quick ? [256] : [256, 512, 1024];
  for (const n of gpu ? [...matmuls, 2048, 4096] : matmuls) {
    items.push({ id: `W1 matmul ${n}`, group: 'W1', kind: 'matmul', n, flops: 2 * n ** 3, warmup: w, reps: r });
  }
  const big = gpu ? [withBatch(CONV_SHAPES[1], 256), withBatch(CONV_SHAPES[2], 256)] : [];
  const forward = quick ? [withBatch(CONV_SHAPES[0], 8), ...big] : [...CONV_SHAPES, ...big];
  for (const shape of forward) {
    items.push({ id: `W2 conv ${shape.name}`, group: 'W2', kind: 'conv', shape, flops: convGeometry(shape).flops, warmup: w, reps: r });
  }
  const backward = quick ? [withBatch(CONV_SHAPES[1], 4), ...big] : [...CONV_SHAPES.slice(1), ...big];
  for (const shape of backward) {
    for (const [kind, what] of [['convGradInput', 'dx'], ['convGradWeight', 'dw']]) {
      items.push({ id: `W3 conv ${what} ${shape.name}`, group: 'W3', kind, shape, flops: convGeometry(shape).flops, warmup: w, reps: r });
    }
  }
  const batch = quick ? 8 : 64;
  for (const b of gpu ? [batch, 256] : [batch]) {
    items.push({ id: `W4 LeNet train step b${b}`, group: 'W4', kind: 'train', batch: b, warmup: w, reps: rt });
  }
  if (throughputRows) {
    const shapes = gpu ? [withBatch(CONV_SHAPES[2], 256), withBatch(CONV_SHAPES[1], 256), CONV_SHAPES[1]] : [withBatch(CONV_SHAPES[1], 4)];
    for (const shape of shapes) {
      const flops = convGeometry(shape).flops;
      items.push({ id: `T conv fwd ${shape.name}`, group: 'T', kind: 'conv', shape, flops, warmup: w, reps: r });
      items.push({ id: `T conv fwd + dx ${shape.name}`, group: 'T', kind: 'convFwdDx', shape, flops: 2 * flops, warmup: w, reps: r });
      items.push({ id: `T conv fwd + dw ${shape.name}`, group: 'T', kind: 'convFwdDw', shape, flops: 2 * flops, warmup: w, reps: r });
    }
  }
  return { items, cold: { batch } };
}

/** Class labels 0..9, scrambled but fixed, so both libraries train on the same targets. */
export function labelsFor(batch) {
  return Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % 10);
}

// ---------------------------------------------------------------------------------------------- webgpu-cnn

export const ours = {
  matmul(wc, { n }) {
    const a = wc.rand([n, n], { seed: 1 });
    const b = wc.rand([n, n], { seed: 2 });
    return { call: () => [wc.matmul(a, b)], dispose: () => [a, b].forEach((t) => t.dispose()) };
  },

  conv(wc, { shape }) {
    const x = wc.randn(shape.x, { seed: 1 });
    const w = wc.randn(shape.w, { seed: 2, std: 0.05 });
    const opts = { stride: shape.stride, padding: shape.padding };
    return { call: () => [wc.conv2d(x, w, null, opts)], dispose: () => [x, w].forEach((t) => t.dispose()) };
  },

  // Backward alone: the forward pass runs in `before`, untimed; `call` times backward(dy), which launches only
  // the gradient of the one input that requires it.
  convGradInput: (wc, item) => convGradient(wc, item, 'x', false),
  convGradWeight: (wc, item) => convGradient(wc, item, 'w', false),
  // Forward and backward in one timed call (the throughput rows).
  convFwdDx: (wc, item) => convGradient(wc, item, 'x', true),
  convFwdDw: (wc, item) => convGradient(wc, item, 'w', true),

  train(wc, { batch }) {
    const { nn, optim } = wc;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = wc.randn([batch, 1, 28, 28], { seed: 5 });
    const labels = labelsFor(batch);
    const step = (input) => {
      const loss = wc.scope(() => wc.crossEntropy(model.forward(input), labels));
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss;
    };
    // The step as fit runs it: compiled, so that after its first calls it replays one command buffer
    // (builds of the library before compileStep run it op by op).
    const compiled = wc.compileStep ? wc.compileStep(step) : step;
    return {
      model,
      // the loss; the updated parameters are waited for by wc.sync(), which waits for all work submitted
      call() {
        return [compiled(x)];
      },
      dispose() {
        compiled.dispose?.();
        opt.dispose();
        model.parameters().forEach((p) => p.dispose());
        x.dispose();
      },
    };
  },
};

function convGradient(wc, { shape }, which, withForward) {
  const x = wc.randn(shape.x, { seed: 1 });
  const w = wc.randn(shape.w, { seed: 2, std: 0.05 });
  const opts = { stride: shape.stride, padding: shape.padding };
  const { N, O, P, Q } = convGeometry(shape);
  const dy = wc.randn([N, O, P, Q], { seed: 3 });
  const input = which === 'x' ? x : w;
  input.requiresGrad = true;
  const forwards = []; // outputs of `before`, one per call to come
  const backward = (y) => {
    y.backward(dy);
    const grad = input.grad;
    input.grad = null;
    return grad;
  };
  return {
    before: withForward ? undefined : () => forwards.push(wc.conv2d(x, w, null, opts)),
    call() {
      if (withForward) {
        const y = wc.conv2d(x, w, null, opts);
        return [y, backward(y)];
      }
      const y = forwards.shift();
      const grad = backward(y);
      y.dispose();
      return [grad];
    },
    dispose: () => [x, w, dy, ...forwards].forEach((t) => t.dispose()),
  };
}

/** Runs a cold workload's first two steps, each up to the read of its loss; returns when each ended. */
async function twoSteps(step) {
  const loss = async () => {
    const [l] = step.call();
    await l.data();
    l.dispose();
  };
  await loss();
  const t1 = performance.now();
  await loss();
  return { t1, t2: performance.now() };
}

/**
 * W5 and W6 on a cold page (or a fresh Node process): from init() to the first finished training step, shader
 * compilation included (with `warmup`, after wc.compile), then a second step; then the memory the library reports.
 */
export async function coldOurs(wc, { batch, warmup = false }) {
  const t0 = performance.now();
  const adapter = await wc.init();
  const step = ours.train(wc, { batch });
  // warm-up: the step's pipelines built in the background (createComputePipelineAsync) before it runs, as fit does
  if (warmup) await wc.compile(step.model, [batch, 1, 28, 28]);
  const { t1, t2 } = await twoSteps(step);
  const memory = wc.memory();
  step.dispose();
  return {
    adapter,
    firstStepMs: t1 - t0,
    sinceNavigationMs: t1,
    secondStepMs: t2 - t1,
    peakBytes: memory.peakBytes,
    memory,
    peakField: 'wc.memory().peakBytes',
  };
}

// ------------------------------------------------------------------------------------------- TensorFlow.js

const hwio = ([o, c, kh, kw]) => [kh, kw, c, o];
const nhwc = ([n, c, h, w]) => [n, h, w, c];

export const theirs = {
  matmul(tf, { n }) {
    const a = tf.randomUniform([n, n], 0, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], 0, 1, 'float32', 2);
    return { call: () => [tf.matMul(a, b)], dispose: () => tf.dispose([a, b]) };
  },

  conv(tf, { shape }) {
    const x = tf.randomNormal(nhwc(shape.x), 0, 1, 'float32', 1);
    const w = tf.randomNormal(hwio(shape.w), 0, 0.05, 'float32', 2);
    return { call: () => [tf.conv2d(x, w, shape.stride, shape.padding)], dispose: () => tf.dispose([x, w]) };
  },

  // The two kernels that tf.conv2d's gradient runs: Conv2DBackpropInput (public as conv2dTranspose) and
  // Conv2DBackpropFilter (not exported as an op, so it is run by its kernel name).
  convGradInput: (tf, item) => tfConvGradient(tf, item, 'x', false),
  convGradWeight: (tf, item) => tfConvGradient(tf, item, 'w', false),
  convFwdDx: (tf, item) => tfConvGradient(tf, item, 'x', true),
  convFwdDw: (tf, item) => tfConvGradient(tf, item, 'w', true),

  train(tf, { batch }) {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const optimizer = tf.train.adam(1e-3);
    const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 5);
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labelsFor(batch), 'int32'), 10));
    return {
      call: () => [optimizer.minimize(() => tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, { training: true })), true)],
      dispose() {
        optimizer.dispose();
        model.dispose();
        tf.dispose([x, oneHot]);
      },
    };
  },
};

function tfConvGradient(tf, { shape }, which, withForward) {
  const { N, O, P, Q } = convGeometry(shape);
  const x = tf.randomNormal(nhwc(shape.x), 0, 1, 'float32', 1);
  const w = tf.randomNormal(hwio(shape.w), 0, 0.05, 'float32', 2);
  const dy = tf.randomNormal([N, P, Q, O], 0, 1, 'float32', 3);
  const attrs = { strides: [shape.stride, shape.stride], pad: shape.padding, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: hwio(shape.w) };
  const gradient = which === 'x'
    ? () => tf.conv2dTranspose(dy, w, nhwc(shape.x), shape.stride, shape.padding)
    : () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
  return {
    call: () => (withForward ? [tf.conv2d(x, w, shape.stride, shape.padding), gradient()] : [gradient()]),
    dispose: () => tf.dispose([x, w, dy]),
  };
}

export async function coldTheirs(tf, { batch }) {
  const t0 = performance.now();
  await useWebGpu(tf);
  const step = theirs.train(tf, { batch });
  const { t1, t2 } = await twoSteps(step);
  const memory = tf.memory();
  step.dispose();
  return {
    adapter: tfAdapter(tf),
    firstStepMs: t1 - t0,
    sinceNavigationMs: t1,
    secondStepMs: t2 - t1,
    // The WebGPU backend's buffer manager keeps released buffers for reuse and counts them as allocated, so
    // numBytesAllocatedInGPU is its high-water mark, comparable to our peakBytes (in use plus pooled).
    peakBytes: memory.numBytesAllocatedInGPU,
    memory,
    peakField: 'tf.memory().numBytesAllocatedInGPU',
  };
}

/** Switches TensorFlow.js to its WebGPU backend, and refuses to go on with any other. */
export async function useWebGpu(tf) {
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`TensorFlow.js could not start its WebGPU backend (backend: ${tf.getBackend()})`);
}

/** What TensorFlow.js's WebGPU backend says about its adapter. */
export function tfAdapter(tf) {
  const info = tf.backend()?.adapterInfo ?? {};
  return { vendor: info.vendor ?? '', architecture: info.architecture ?? '' };
}

// ------------------------------------------------------------------------------------------------ reporting

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function summarize(samples) {
  if (!samples.length) return null;
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/** "elementwise.unary(BROADCAST=0,OP=0,WORKGROUP=256)" -> "elementwise.unary RELU (...)", from the shader's consts. */
export function readableKernel(label, elementwiseWgsl) {
  const m = /^elementwise\.(unary|binary)\((.*)\)$/.exec(label);
  if (!m || !elementwiseWgsl) return label;
  const op = /OP=(\d+)/.exec(m[2]);
  const section = elementwiseWgsl.split(/\/\/ Binary operations/)[m[1] === 'unary' ? 0 : 1] ?? '';
  const name = [...section.matchAll(/\bconst\s+(\w+)\s*=\s*(\d+)u?\s*;/g)].find((c) => op && c[2] === op[1])?.[1];
  return name ? `elementwise.${m[1]} ${name} (${m[2]})` : label;
}
