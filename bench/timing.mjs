// How each library waits for its GPU work and how its kernels are timed, and the three timings of a workload:
//   latency     one call, then a wait for its outputs;
//   throughput  `calls` calls back to back, one wait, per call (the GPU's pace once the CPU runs ahead);
//   GPU time    the sum of the kernels' durations from timestamp queries, for one call.
// Waiting reads nothing big back: ours wc.sync(), TF.js one element of the last output (a `tf.slice`, since TF.js
// keeps tiny tensors on the CPU), jax-js blockUntilReady on every output (its arrays are lazy).

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const engines = {
  ours: {
    label: 'webgpu-cnn',
    sync: (wc) => wc.sync(),
    release: (wc, outs) => outs.forEach((t) => t.dispose()),
    read: (wc, t) => t.data(),
    async gpuMs(wc, call) {
      wc.startProfile();
      let outs = [];
      let kernels;
      try {
        outs = call();
        await wc.sync();
      } finally {
        kernels = await wc.stopProfile();
      }
      return { ms: kernels.reduce((a, k) => a + k.ms, 0), outs, kernels };
    },
  },

  theirs: {
    label: 'TF.js',
    async sync(tf, outs) {
      const last = outs[outs.length - 1];
      if (!last) return;
      const one = last.size <= 1 ? null : tf.tidy(() => tf.slice(tf.reshape(last, [-1]), 0, 1));
      await (one ?? last).data();
      one?.dispose();
    },
    release: (tf, outs) => tf.dispose(outs),
    read: (tf, t) => t.data(),
    async gpuMs(tf, call) {
      let outs = [];
      const info = await tf.time(() => {
        outs = call();
      });
      // kernelMs is { error } when the device has no timestamp queries
      return { ms: typeof info.kernelMs === 'number' ? info.kernelMs : null, outs };
    },
  },

  jaxjs: {
    label: 'jax-js',
    sync: (jax, outs) => jax.blockUntilReady(outs),
    release: (jax, outs) => outs.forEach((a) => a.dispose()),
    read: (jax, a) => a.ref.data(),
    // jax-js's profiler writes a timestamp pair around each kernel and, once they are read back, reports them as
    // performance.measure entries on the "webgpu" track of "JAX Profiler" (for the browser's devtools).
    async gpuMs(jax, call, live) {
      const entries = () => performance.getEntriesByType('measure').filter((e) => e.detail?.devtools?.trackGroup === 'JAX Profiler' && e.detail.devtools.track === 'webgpu');
      performance.clearMeasures();
      jax.profiler.startTrace();
      let outs = [];
      try {
        outs = call();
        await jax.blockUntilReady([...outs, ...live()]);
      } finally {
        jax.profiler.stopTrace();
      }
      await jax.getWebGPUDevice().queue.onSubmittedWorkDone();
      // the timestamps come back through mapAsync after the work is done: wait until no more arrive
      let count = -1;
      for (let i = 0; i < 200 && (count !== entries().length || count === 0); i++) {
        count = entries().length;
        await sleep(5);
      }
      const found = entries();
      performance.clearMeasures();
      return { ms: found.length ? found.reduce((a, e) => a + e.duration, 0) : null, outs };
    },
  },
};

/** Runs `n` befores (untimed) and waits for them. */
async function prepare(e, lib, w, n) {
  if (!w.before) return;
  for (let i = 0; i < n; i++) w.before();
  await e.sync(lib, w.live?.() ?? []);
}

/** One call, then a wait: milliseconds. */
export async function latency(e, lib, w) {
  await prepare(e, lib, w, 1);
  const t0 = performance.now();
  const outs = w.call();
  await e.sync(lib, [...outs, ...(w.live?.() ?? [])]);
  const ms = performance.now() - t0;
  e.release(lib, outs);
  return ms;
}

/** `calls` calls back to back, one wait for all their outputs: milliseconds per call. */
export async function throughput(e, lib, w, calls) {
  await prepare(e, lib, w, calls);
  const outs = [];
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) outs.push(...w.call());
  await e.sync(lib, [...outs, ...(w.live?.() ?? [])]);
  const ms = (performance.now() - t0) / calls;
  e.release(lib, outs);
  return ms;
}

/** GPU time of one call from timestamp queries: { ms (null when the library cannot say), kernels? }. */
export async function gpuTime(e, lib, w) {
  await prepare(e, lib, w, 1);
  const { ms, outs, kernels } = await e.gpuMs(lib, () => w.call(), () => w.live?.() ?? []);
  e.release(lib, outs);
  return { ms, kernels };
}

/** One call read back to the CPU in full (untimed warm-up that also checks a training loss). */
export async function warmupRead(e, lib, w) {
  await prepare(e, lib, w, 1);
  const outs = w.call();
  await e.sync(lib, [...outs, ...(w.live?.() ?? [])]);
  const first = await e.read(lib, outs[0]);
  e.release(lib, outs);
  return first[0];
}

/** Reading a realized `bytes`-byte tensor back to the CPU: milliseconds. */
export async function readback(which, lib, bytes) {
  const n = bytes / 4;
  if (which === 'ours') {
    const t = lib.rand([n], { seed: 1 });
    await lib.sync();
    const t0 = performance.now();
    await t.data();
    const ms = performance.now() - t0;
    t.dispose();
    return ms;
  }
  if (which === 'theirs') {
    const t = lib.randomUniform([n], 0, 1, 'float32', 1);
    await engines.theirs.sync(lib, [t]);
    const t0 = performance.now();
    await t.data();
    const ms = performance.now() - t0;
    t.dispose();
    return ms;
  }
  const a = lib.random.uniform(lib.random.key(1), [n]);
  await lib.blockUntilReady(a);
  const t0 = performance.now();
  await a.data();
  return performance.now() - t0;
}
