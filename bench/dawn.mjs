// One Dawn instance for every engine in a Node benchmark: ours, TensorFlow.js and jax-js all find it as
// navigator.gpu, so they run on the same adapter in the same process.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
// Timestamps finer than Dawn's default rounding to ~65 µs, for the GPU-time columns.
const FLAGS = ['disable-dawn-features=timestamp_quantization'];
// Dawn tears an instance down when its GPU object is garbage collected, even with devices still working.
const instances = [];

/** Installs navigator.gpu (and Dawn's GPU* globals); falls back to SwiftShader on a machine without a GPU. */
export async function installDawn() {
  Object.assign(globalThis, globals);
  let gpu = create(FLAGS);
  instances.push(gpu);
  let adapter = await gpu.requestAdapter();
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // The Vulkan loader reads this when an instance is created, so the second instance sees SwiftShader.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = create(FLAGS);
    instances.push(gpu);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) throw new Error('bench: Dawn found no WebGPU adapter');
  // jax-js reads navigator.userAgent and hardwareConcurrency as a browser would have them.
  globalThis.navigator = { gpu, userAgent: `Node.js/${process.version}`, hardwareConcurrency: 2 };
  return gpu;
}
