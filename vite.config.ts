import { defineConfig } from 'vitest/config';

// One config serves three jobs: the library build (dist/), the test runner, and the dev server that the
// browser tests and the demo page are served from.
export default defineConfig({
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'webgpu-cnn' },
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // Dawn for Node is loaded only in Node, by name at run time; bundling it would break browser builds.
      external: ['webgpu', /^node:/],
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
});
