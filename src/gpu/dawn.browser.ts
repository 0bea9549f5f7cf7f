/**
 * The browser build's stand-in for `dawn.ts`: browsers have `navigator.gpu`, so there is no Dawn to load and no
 * Node module to import. vite.config.ts swaps this file in for the package's browser entry.
 */

/** The SwiftShader Vulkan driver that Debian's chromium package ships (named in error messages only). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Browsers define GPUBufferUsage and friends themselves. */
export async function installNodeGlobals(): Promise<void> {}

/** Never called in a browser build: `inNode` is false. */
export async function nodeAdapter(): Promise<GPUAdapter | null> {
  throw new Error("webgpu-cnn: this is the package's browser build; in Node, import it without the 'browser' condition");
}

/** The browser build runs in browsers and workers only. */
export const inNode = false;

/** Browsers have no Dawn polling loop on the page's thread. */
export function paceDawnPolling(): void {}
