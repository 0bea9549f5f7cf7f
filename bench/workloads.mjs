// The benchmark's workloads, shared by the browser suite (bench/run.mjs drives bench/page/, which runs them on
// webgpu-cnn and on TensorFlow.js) and the Node suite (bench/node.mjs, ours only, through dist/).
// Plain JavaScript so that Node 20 runs it as it is; the libraries come in as arguments (`wc`, `tf`).
//
// Every workload builder returns { before?, run, dispose }: `before` is untimed set-up for one repetition (the
// forward pass whose backward is timed), `run` is the timed work, up to and including a readback to the CPU
// (`await t.data()`), so that both libraries have finished their GPU work when the clock stops.
// Layouts are each library's own: ours NCHW with OIHW weights (PyTorch), TensorFlow.js NHWC with HWIO weights.

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

function convGeometry(s) {
  const [N, C, H, W] = s.x;
  const [O, , KH, KW] = s.w;
  const P = Math.floor((H + 2 * s.padding - KH) / s.stride) + 1;
  const Q = Math.floor((W + 2 * s.padding - KW) / s.stride) + 1;
  return { N, C, H, W, O, KH, KW, P, Q, flops: 2 * N * O * P * Q * C * KH * KW };
}

/**
 * The list of timed workloads (W1-W4) and the cold-start settings (W5, W6).
 * quick: W1 N=256, W2 first shape at batch 8, W3 second shape at batch 4, W4 and W5/W6 at batch 8; 1 warm-up, 2 reps.
 */
export function plan({ quick = false, warmup, reps, trainReps } = {}) {
  const w = warmup ?? 1;
  const r = reps ?? (quick ? 2 : 5);
  const rt = trainReps ?? reps ?? (quick ? 2 : 3);
  const items = [];
  for (const n of quick ? [256] : [256, 512, 1024]) {
    items.push({ id: `W1 matmul ${n}`, group: 'W1', kind: 'matmul', n, flops: 2 * n ** 3, warmup: w, reps: r });
  }
  const forward = quick ? [withBatch(CONV_SHAPES[0], 8)] : CONV_SHAPES;
  for (const shape of forward) {
    items.push({ id: `W2 conv ${shape.name}`, group: 'W2', kind: 'conv', shape, flops: convGeometry(shape).flops, warmup: w, reps: r });
  }
  const backward = quick ? [withBatch(CONV_SHAPES[1], 4)] : CONV_SHAPES.slice(1);
  for (const shape of backward) {
    for (const [kind, what] of [['convGradInput', 'dx'], ['convGradWeight', 'dw']]) {
      items.push({ id: `W3 conv ${what} ${shape.name}`, group: 'W3', kind, shape, flops: convGeometry(shape).flops, warmup: w, reps: r });
    }
  }
  const batch = quick ? 8 : 64;
  items.push({ id: `W4 LeNet train step b${batch}`, group: 'W4', kind: 'train', batch, warmup: w, reps: rt });
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
    return {
      async run() {
        const c = wc.matmul(a, b);
        await c.data();
        c.dispose();
      },
      dispose: () => [a, b].forEach((t) => t.dispose()),
    };
  },

  conv(wc, { shape }) {
    const x = wc.randn(shape.x, { seed: 1 });
    const w = wc.randn(shape.w, { seed: 2, std: 0.05 });
    const opts = { stride: shape.stride, padding: shape.padding };
    return {
      async run() {
        const y = wc.conv2d(x, w, null, opts);
        await y.data();
        y.dispose();
      },
      dispose: () => [x, w].forEach((t) => t.dispose()),
    };
  },

  // Backward alone: the forward pass runs (and is read back) in `before`, untimed; `run` times backward(dy),
  // which launches only the gradient of the one input that requires it, and the readback of that gradient.
  convGradInput: (wc, item) => convBackward(wc, item, 'x'),
  convGradWeight: (wc, item) => convBackward(wc, item, 'w'),

  train(wc, { batch }) {
    const { nn, optim } = wc;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = wc.randn([batch, 1, 28, 28], { seed: 5 });
    const labels = labelsFor(batch);
    const state = { loss: NaN };
    return {
      state,
      async run() {
        const loss = wc.scope(() => wc.crossEntropy(model.forward(x), labels));
        loss.backward();
        opt.step();
        opt.zeroGrad();
        state.loss = (await loss.data())[0];
        loss.dispose();
        if (!Number.isFinite(state.loss)) throw new Error(`webgpu-cnn training step: loss is ${state.loss}`);
      },
      dispose() {
        opt.dispose();
        model.parameters().forEach((p) => p.dispose());
        x.dispose();
      },
    };
  },
};

function convBackward(wc, { shape }, which) {
  const x = wc.randn(shape.x, { seed: 1 });
  const w = wc.randn(shape.w, { seed: 2, std: 0.05 });
  const opts = { stride: shape.stride, padding: shape.padding };
  const { N, O, P, Q } = convGeometry(shape);
  const dy = wc.randn([N, O, P, Q], { seed: 3 });
  const input = which === 'x' ? x : w;
  input.requiresGrad = true;
  let y = null;
  return {
    async before() {
      y = wc.conv2d(x, w, null, opts);
      await y.data();
    },
    async run() {
      y.backward(dy);
      await input.grad.data();
      input.grad.dispose();
      input.grad = null;
      y.dispose();
      y = null;
    },
    dispose: () => [x, w, dy].forEach((t) => t.dispose()),
  };
}

/**
 * W5 and W6 on a cold page (or a fresh Node process): from init() to the first finished training step, shader
 * compilation included, then a second step; then the memory the library reports.
 */
export async function coldOurs(wc, { batch }) {
  const t0 = performance.now();
  const adapter = await wc.init();
  const step = ours.train(wc, { batch });
  await step.run();
  const t1 = performance.now();
  await step.run();
  const t2 = performance.now();
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
    return {
      async run() {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      dispose: () => tf.dispose([a, b]),
    };
  },

  conv(tf, { shape }) {
    const x = tf.randomNormal(nhwc(shape.x), 0, 1, 'float32', 1);
    const w = tf.randomNormal(hwio(shape.w), 0, 0.05, 'float32', 2);
    return {
      async run() {
        const y = tf.conv2d(x, w, shape.stride, shape.padding);
        await y.data();
        y.dispose();
      },
      dispose: () => tf.dispose([x, w]),
    };
  },

  // The two kernels that tf.conv2d's gradient runs: Conv2DBackpropInput (public as conv2dTranspose) and
  // Conv2DBackpropFilter (not exported as an op, so it is run by its kernel name).
  convGradInput(tf, { shape }) {
    const { N, O, P, Q } = convGeometry(shape);
    const w = tf.randomNormal(hwio(shape.w), 0, 0.05, 'float32', 2);
    const dy = tf.randomNormal([N, P, Q, O], 0, 1, 'float32', 3);
    const xShape = nhwc(shape.x);
    return {
      async run() {
        const dx = tf.conv2dTranspose(dy, w, xShape, shape.stride, shape.padding);
        await dx.data();
        dx.dispose();
      },
      dispose: () => tf.dispose([w, dy]),
    };
  },

  convGradWeight(tf, { shape }) {
    const { N, O, P, Q } = convGeometry(shape);
    const x = tf.randomNormal(nhwc(shape.x), 0, 1, 'float32', 1);
    const dy = tf.randomNormal([N, P, Q, O], 0, 1, 'float32', 3);
    const attrs = { strides: [shape.stride, shape.stride], pad: shape.padding, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: hwio(shape.w) };
    return {
      async run() {
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
        await dw.data();
        dw.dispose();
      },
      dispose: () => tf.dispose([x, dy]),
    };
  },

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
    const state = { loss: NaN };
    return {
      state,
      async run() {
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, { training: true })), true);
        state.loss = (await loss.data())[0];
        loss.dispose();
        if (!Number.isFinite(state.loss)) throw new Error(`TensorFlow.js training step: loss is ${state.loss}`);
      },
      dispose() {
        optimizer.dispose();
        model.dispose();
        tf.dispose([x, oneHot]);
      },
    };
  },
};

export async function coldTheirs(tf, { batch }) {
  const t0 = performance.now();
  await useWebGpu(tf);
  const step = theirs.train(tf, { batch });
  await step.run();
  const t1 = performance.now();
  await step.run();
  const t2 = performance.now();
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
