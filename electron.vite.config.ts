import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Three builds into out/: main (ESM, its dependencies bundled so the app needs no node_modules),
// the preload (CommonJS `.cjs`: a sandboxed preload cannot load an ES module), the renderer.
export default defineConfig({
  main: {
    build: {
      externalizeDeps: false,
      lib: { entry: resolve('main/index.ts') },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      lib: { entry: resolve('preload/index.ts'), formats: ['cjs'] },
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('renderer'),
    plugins: [react()],
    build: {
      minify: true,
      rolldownOptions: { input: resolve('renderer/index.html') },
    },
  },
});
