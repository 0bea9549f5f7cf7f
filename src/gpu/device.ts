/**
 * Finds a GPUDevice: the browser's navigator.gpu, or Dawn through the `webgpu` package in Node (`dawn.ts`, which
 * also picks SwiftShader on a machine without a GPU).
 */

import { inNode, nodeAdapter, SWIFTSHADER_ICD } from './dawn';

export { installNodeGlobals, paceDawnPolling, SWIFTSHADER_ICD } from './dawn';

/** Features used when the adapter has them; none is required. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups'];

/** Limits requested at the adapter's maximum rather than WebGPU's conservative defaults. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
}

/**
 * `dawnFlags` go to the `webgpu` package's `create()` in Node (ignored in browsers), e.g.
 * `disable-dawn-features=timestamp_quantization` so that benchmarks see timestamps finer than Dawn's default ~65 µs.
 */
export async function acquireDevice(power?: GPUPowerPreference, dawnFlags: readonly string[] = []): Promise<AcquiredDevice> {
  let adapter: GPUAdapter | null;
  if (typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu) {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: power });
  } else if (inNode) {
    adapter = await nodeAdapter(power, dawnFlags);
  } else {
    throw new Error('webgpu-cnn: this environment has no WebGPU (navigator.gpu is missing; pages need a secure context such as http://127.0.0.1)');
  }
  if (!adapter) {
    throw new Error(
      'webgpu-cnn: no WebGPU adapter found. On a machine without a GPU, install Debian\'s chromium package ' +
        `(it ships SwiftShader at ${SWIFTSHADER_ICD}) and libvulkan1.`,
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'webgpu-cnn' });
  return { device, adapterInfo: describeAdapter(adapter) };
}

export function describeAdapter(adapter: GPUAdapter | null): AcquiredDevice['adapterInfo'] {
  const info = adapter?.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}
