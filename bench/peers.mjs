// TensorFlow.js and jax-js in Node, on the Dawn instance that bench/dawn.mjs put in navigator.gpu. Each loader
// returns { lib } or { error }: a peer that cannot start leaves its columns empty, it never stops the run.
import { createRequire } from 'node:module';
import { useWebGpu } from './workloads.mjs';

const require = createRequire(import.meta.url);

/** `start: false` leaves tf.setBackend('webgpu') to the caller (the cold-start timing). */
export async function loadTf({ start = true } = {}) {
  try {
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-webgpu');
    require('@tensorflow/tfjs-layers'); // tf.layers, and the gradients that training needs
    // the layers package reaches tf.sequential etc. through its own namespace; give the workloads one object
    const layers = require('@tensorflow/tfjs-layers');
    if (start) await useWebGpu(tf);
    return { lib: { ...tf, ...layers, layers: layers.layers, train: tf.train, losses: tf.losses } };
  } catch (e) {
    return { error: `TF.js: ${e?.message ?? e}` };
  }
}

export async function loadJax({ start = true } = {}) {
  try {
    const jax = await import('@jax-js/jax');
    if (!start) return { lib: jax };
    const devices = await jax.init('webgpu'); // not Wasm or WebGL, which nothing here uses
    if (!devices.includes('webgpu')) throw new Error(`no webgpu device (devices: ${devices.join(', ')})`);
    jax.defaultDevice('webgpu');
    return { lib: jax };
  } catch (e) {
    return { error: `jax-js: ${e?.message ?? e}` };
  }
}
