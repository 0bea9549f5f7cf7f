/**
 * Finds a GPUDevice: the browser's navigator.gpu, or Dawn through the `webgpu` package in Node.
 * On a machine without a GPU, Node retries with the SwiftShader Vulkan driver that Debian's chromium
 * package ships, so that neither users nor tests have to set VK_ICD_FILENAMES themselves.
 */

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

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

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/**
 * Dawn tears its instance down when the GPU object is garbage collected, even while a device made from it is
 * still working (the process then aborts), so the instances we create are kept for the life of the process.
 */
const dawnInstances: GPU[] = [];

interface Dawn {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

async function loadDawn(): Promise<Dawn> {
  // The name goes through a variable so that bundlers of browser apps do not try to follow it.
  const name = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ name)) as Dawn;
  // Dawn's GPUBufferUsage and friends are not globals in Node until we install them.
  Object.assign(globalThis, dawn.globals);
  return dawn;
}

/** Node with an adopted device: the WebGPU constants (GPUBufferUsage, ...) must exist as globals. */
export async function installNodeGlobals(): Promise<void> {
  if (isNode && typeof GPUBufferUsage === 'undefined') await loadDawn();
}

async function nodeGpu(flags: readonly string[]): Promise<GPU> {
  const gpu = (await loadDawn()).create([...flags]);
  dawnInstances.push(gpu);
  return gpu;
}

/** The Dawn flags of the newest instance: a call with other flags makes a new instance. */
let dawnFlagsKey: string | null = null;

async function nodeAdapter(power: GPUPowerPreference | undefined, flags: readonly string[]): Promise<GPUAdapter | null> {
  const key = flags.join('\n');
  if (dawnInstances.length && key === dawnFlagsKey) return dawnInstances[dawnInstances.length - 1].requestAdapter({ powerPreference: power });
  dawnFlagsKey = key;
  let adapter = await (await nodeGpu(flags)).requestAdapter({ powerPreference: power });
  if (adapter || process.env.VK_ICD_FILENAMES) return adapter;
  const { existsSync } = await import(/* @vite-ignore */ 'node:fs');
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  // The Vulkan loader reads this variable each time an instance is created, so a second instance sees it.
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  adapter = await (await nodeGpu(flags)).requestAdapter({ powerPreference: power });
  return adapter;
}

/**
 * `dawnFlags` go to the `webgpu` package's `create()` in Node (ignored in browsers), e.g.
 * `disable-dawn-features=timestamp_quantization` so that benchmarks see timestamps finer than Dawn's default ~65 µs.
 */
export async function acquireDevice(power?: GPUPowerPreference, dawnFlags: readonly string[] = []): Promise<AcquiredDevice> {
  let adapter: GPUAdapter | null;
  if (typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu) {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: power });
  } else if (isNode) {
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
