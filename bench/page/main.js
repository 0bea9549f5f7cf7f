// The benchmark page: the three libraries (webgpu-cnn, TensorFlow.js, jax-js) in one page, on the same adapter.
// bench/run.mjs calls window.bench.* one step at a time through page.evaluate, so that it can interleave, time
// out, and print progress. Served by Vite, which compiles our TypeScript sources and pre-bundles the peers.
import * as wc from '/src/index.ts';
import { startProfile, stopProfile } from '/src/gpu/profile.ts';
import elementwiseWgsl from '/shaders/elementwise.wgsl?raw';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as jax from '@jax-js/jax';
import { ours, theirs, coldOurs, coldTheirs, useWebGpu, tfAdapter, readableKernel } from '../workloads.mjs';
import { jaxjs, coldJax } from '../workloads-jax.mjs';
import { engines } from '../timing.mjs';

const libs = { ours: { lib: wc, builders: ours }, theirs: { lib: tf, builders: theirs }, jaxjs: { lib: jax, builders: jaxjs } };
let current = null; // { ours, theirs, jaxjs }: the built workload of each library that could build it
let jaxError = null; // why jax-js could not start, if it could not

/**
 * One repetition of a library's workload: untimed set-up, then the timed work up to a readback of its last output
 * (after a wait for everything the call computed: jax-js computes lazily). null when the library has none.
 */
async function once(which) {
  const w = current[which];
  if (!w) return null;
  const { lib } = libs[which];
  const e = engines[which];
  if (w.before) {
    w.before();
    await e.sync(lib, w.live?.() ?? []);
  }
  const t0 = performance.now();
  const outs = w.call();
  await e.sync(lib, [...outs, ...(w.live?.() ?? [])]);
  const value = (await e.read(lib, outs[outs.length - 1]))[0];
  const ms = performance.now() - t0;
  e.release(lib, outs);
  if (w.state) w.state.loss = value;
  return ms;
}

window.bench = {
  ready: true,

  async init() {
    const adapter = await wc.init();
    await useWebGpu(tf);
    try {
      // only the WebGPU backend: init() with no argument also starts Wasm and WebGL, which nothing here uses
      const devices = await jax.init('webgpu');
      if (!devices.includes('webgpu')) throw new Error(`no webgpu device (devices: ${devices.join(', ')})`);
      jax.defaultDevice('webgpu');
    } catch (e) {
      jaxError = String(e?.message ?? e);
      delete libs.jaxjs;
    }
    return { ours: adapter, theirs: { backend: tf.getBackend(), ...tfAdapter(tf) }, tfVersion: tf.version.tfjs, jaxError, userAgent: navigator.userAgent };
  },

  /** Builds the workload for each library; returns the libraries that could not, with why. */
  setup(item) {
    current = {};
    const failed = {};
    for (const [which, { lib, builders }] of Object.entries(libs)) {
      try {
        current[which] = builders[item.kind](lib, item);
        if (item.kind === 'train') current[which].state = { loss: NaN };
      } catch (e) {
        failed[which] = String(e?.message ?? e);
      }
    }
    return failed;
  },

  once,

  /** One more repetition of ours with every kernel timed (timestamp-query); the kernels, slowest first. */
  async profile() {
    const w = current.ours;
    if (w.before) w.before();
    startProfile();
    let kernels;
    try {
      const outs = w.call();
      await wc.sync();
      outs.forEach((t) => t.dispose());
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
  cold: (which, options) => (which === 'ours' ? coldOurs(wc, options) : which === 'theirs' ? coldTheirs(tf, options) : coldJax(jax, options)),
};
