/**
 * WebGPU in Node: Dawn through the `webgpu` npm package, and the Vulkan driver choice on a machine without a GPU.
 * The package's browser build replaces this file with `dawn.browser.ts` (see vite.config.ts), so a browser
 * bundle never sees `import('webgpu')` or Node's modules.
 */

/** The SwiftShader Vulkan driver (a CPU adapter) that Debian's chromium package ships. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

interface Dawn {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Dawn tears its instance down when the GPU object is garbage collected, even while a device made from it is
 * still working (the process then aborts), so the instances we create are kept for the life of the process.
 */
const dawnInstances: GPU[] = [];

async function nodeModule<T>(name: string): Promise<T> {
  // The name goes through a parameter so that bundlers of browser apps serving the sources do not follow it.
  return (await import(/* @vite-ignore */ name)) as T;
}

async function loadDawn(): Promise<Dawn> {
  let dawn: Dawn;
  try {
    dawn = await nodeModule<Dawn>('webgpu');
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /'webgpu'/.test(String((e as Error).message))) {
      throw new Error('webgpu-cnn: WebGPU in Node comes from the `webgpu` package (Dawn), which is not installed. Run: npm i webgpu', {
        cause: e,
      });
    }
    throw e;
  }
  // Dawn's GPUBufferUsage and friends are not globals in Node until we install them.
  Object.assign(globalThis, dawn.globals);
  return dawn;
}

/** Node with an adopted device: the WebGPU constants (GPUBufferUsage, ...) must exist as globals. */
export async function installNodeGlobals(): Promise<void> {
  if (isNode && typeof GPUBufferUsage === 'undefined') await loadDawn();
}

/** Where the Vulkan loader looks for driver manifests on Linux (when no variable overrides it). */
function icdDirectories(env: Record<string, string | undefined>): string[] {
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = env.HOME ? [`${env.XDG_CONFIG_HOME || `${env.HOME}/.config`}`, `${env.XDG_DATA_HOME || `${env.HOME}/.local/share`}`] : [];
  return [...config, '/etc', ...data, ...home].map((d) => `${d}/vulkan/icd.d`);
}

/**
 * On Linux without any Vulkan driver installed, the loader prints `vkCreateInstance: Found no drivers!` (and two
 * lines more) the first time Dawn probes it. When no driver manifest exists and SwiftShader does, point the loader
 * at SwiftShader before the first instance, so the first probe finds it and prints nothing.
 */
async function preferSwiftShaderWithoutDrivers(): Promise<void> {
  const env = process.env;
  if (process.platform !== 'linux' || env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return;
  const fs = await nodeModule<typeof import('node:fs')>('node:fs');
  if (!fs.existsSync(SWIFTSHADER_ICD)) return;
  const hasDriver = icdDirectories(env).some((dir) => {
    try {
      return fs.readdirSync(dir).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
  if (!hasDriver) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

async function nodeGpu(flags: readonly string[]): Promise<GPU> {
  if (!dawnInstances.length) await preferSwiftShaderWithoutDrivers();
  const gpu = (await loadDawn()).create([...flags]);
  dawnInstances.push(gpu);
  return gpu;
}

/** The Dawn flags of the newest instance: a call with other flags makes a new instance. */
let dawnFlagsKey: string | null = null;

/**
 * An adapter from Dawn. If Dawn finds none and nobody chose a Vulkan driver, retries with SwiftShader, so that
 * neither users nor tests have to set VK_ICD_FILENAMES themselves.
 */
export async function nodeAdapter(power: GPUPowerPreference | undefined, flags: readonly string[]): Promise<GPUAdapter | null> {
  const key = flags.join('\n');
  if (dawnInstances.length && key === dawnFlagsKey)
    return dawnInstances[dawnInstances.length - 1].requestAdapter({ powerPreference: power });
  dawnFlagsKey = key;
  let adapter = await (await nodeGpu(flags)).requestAdapter({ powerPreference: power });
  if (adapter || process.env.VK_ICD_FILENAMES) return adapter;
  const { existsSync } = await nodeModule<typeof import('node:fs')>('node:fs');
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  // The Vulkan loader reads this variable each time an instance is created, so a second instance sees it.
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  adapter = await (await nodeGpu(flags)).requestAdapter({ powerPreference: power });
  return adapter;
}

/** Whether this is Node (where the adapter comes from Dawn) rather than a browser or a worker. */
export const inNode = isNode;

type Immediate = typeof setImmediate;
let nativeSetImmediate: Immediate | null = null;

/**
 * While a GPU promise is pending, the `webgpu` package checks for finished work by re-arming setImmediate from
 * native code, back to back: a busy loop on the main thread. On a CPU adapter the kernels run on the same cores,
 * and the loop took about half of them: the MNIST model's steps ran 1.7x faster on 2-core SwiftShader (870 ->
 * 505 ms for 10) when each re-arm waited 1 ms instead. With `ms` > 0, Dawn's own re-arms (native functions,
 * which the package passes) go through a timer of that many ms; callbacks of JavaScript functions keep
 * setImmediate as it was. 0 restores the package's polling.
 */
export function paceDawnPolling(ms: number): void {
  nativeSetImmediate ??= globalThis.setImmediate;
  if (!nativeSetImmediate) return;
  if (ms <= 0) {
    globalThis.setImmediate = nativeSetImmediate;
    return;
  }
  const immediate = nativeSetImmediate;
  const paced = ((fn: (...args: unknown[]) => void, ...args: unknown[]) =>
    fn.name === '' && isNativeCode(fn) ? setTimeout(fn, ms, ...args) : immediate(fn, ...args)) as unknown as Immediate;
  globalThis.setImmediate = Object.assign(paced, { __promisify__: immediate.__promisify__ });
}

const isNativeCode = (fn: (...args: unknown[]) => void) => /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
