import { existsSync } from 'node:fs';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The browser build of the package: each source file that has a `.browser.ts` twin (src/gpu/dawn.ts,
 * src/data/mnist-files.ts: the Node-only code) is replaced by it, so the browser bundle holds no `import('webgpu')`
 * and no Node module for an app's bundler to trip over.
 */
function browserTwins(): Plugin {
  return {
    name: 'webgpu-cnn-browser-twins',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.startsWith('.') || !importer?.includes('/src/')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const twin = resolved?.id.replace(/\.ts$/, '.browser.ts');
      return twin && twin !== resolved?.id && existsSync(twin) ? twin : null;
    },
  };
}

// One config serves three jobs: the library build (dist/), the test runner, and the dev server that the
// browser tests and the demo page are served from. `vite build` writes the browser build
// (dist/webgpu-cnn.browser.js); `vite build --mode node` adds the Node build (dist/webgpu-cnn.js).
export default defineConfig(({ mode }) => ({
  plugins: mode === 'production' ? [browserTwins()] : [],
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => (mode === 'node' ? 'webgpu-cnn.js' : 'webgpu-cnn.browser.js') },
    target: 'es2022',
    // Readable names in stack traces and console.log (Tensor, not Tr); the package has no source maps to ship.
    minify: false,
    sourcemap: false,
    // The browser build runs first and empties dist/; the Node build adds its file beside it.
    emptyOutDir: mode !== 'node',
    rollupOptions: {
      // Dawn for Node is loaded only in Node, by name at run time; wgsl_reflect is a dependency, installed once.
      external: ['webgpu', /^node:/, /^wgsl_reflect(\/|$)/],
    },
  },
  server: { host: '127.0.0.1' },
  test: {
    include: ['test/**/*.test.ts'],
    // SwiftShader is a CPU driver on 2 cores: files run one after another so timings and memory stay sane.
    fileParallelism: false,
    testTimeout: 120_000,
    // global.gc for the memory tests that check what the FinalizationRegistry gives back (test/runtime/leaks.test.ts).
    execArgv: ['--expose-gc'],
    hookTimeout: 120_000,
  },
}));
