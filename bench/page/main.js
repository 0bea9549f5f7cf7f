// The benchmark page: both libraries in one page, on the same adapter. bench/run.mjs calls window.bench.*
// one step at a time through page.evaluate, so that it can interleave, time out, and print progress.
// Served by Vite, which compiles our TypeScript sources and pre-bundles TensorFlow.js.
import * as wc from '/src/index.ts';
import { startProfile, stopProfile } from '/src/gpu/profile.ts';
import elementwiseWgsl from '/shaders/elementwise.wgsl?raw';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { ours, theirs, coldOurs, coldTheirs, useWebGpu, tfAdapter, readableKernel } from '../workloads.mjs';

const libs = { ours: { lib: wc, builders: ours }, theirs: { lib: tf, builders: theirs } };
let current = null; // { ours, theirs }: the built workload of each library

/** One repetition of `lib`'s workload: untimed set-up, then the timed work up to its readback. */
async function once(which) {
  const w = current[which];
  if (w.before) await w.before();
  const t0 = performance.now();
  await w.run();
  return performance.now() - t0;
}

window.bench = {
  ready: true,

  async init() {
    const adapter = await wc.init();
    await useWebGpu(tf);
    return { ours: adapter, theirs: { backend: tf.getBackend(), ...tfAdapter(tf) }, tfVersion: tf.version.tfjs, userAgent: navigator.userAgent };
  },

  setup(item) {
    current = {};
    for (const [which, { lib, builders }] of Object.entries(libs)) current[which] = builders[item.kind](lib, item);
  },

  once,

  /** One more repetition of ours with every kernel timed (timestamp-query); the kernels, slowest first. */
  async profile() {
    const w = current.ours;
    if (w.before) await w.before();
    startProfile();
    let kernels;
    try {
      await w.run();
    } finally {
      kernels = await stopProfile();
    }
    return kernels.map((k) => ({ ...k, kernel: readableKernel(k.kernel, elementwiseWgsl) }));
  },

  teardown() {
    const losses = {};
    for (const [which, w] of Object.entries(current ?? {})) {
      if (w.state) losses[which] = w.state.loss;
      w.dispose();
    }
    current = null;
    return { losses, ours: wc.memory(), theirs: tf.memory() };
  },

  /** W5 and W6 on this (fresh) page, for one library. */
  cold: (which, options) => (which === 'ours' ? coldOurs(wc, options) : coldTheirs(tf, options)),
};
