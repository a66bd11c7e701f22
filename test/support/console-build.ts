import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { build, type Rolldown } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * Builds the renderer as the app ships it (React plugin, minified) into a fresh folder, so test
 * files running in parallel never share one; answers the folder.
 */
export async function buildRenderer(outDir?: string): Promise<string> {
  const dir = outDir ?? mkdtempSync(path.join(tmpdir(), 'latchkey-renderer-'));
  await build({
    configFile: false,
    root: path.join(ROOT, 'renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir: dir,
      emptyOutDir: true,
      minify: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1000,
    },
  });
  return dir;
}

/**
 * The real preload script, bundled for a plain browser: `electron` is replaced by a shim that
 * routes `ipcRenderer.invoke` to a Playwright binding. Answers the script's text.
 */
export async function buildBrowserPreload(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    resolve: { alias: { electron: path.join(ROOT, 'test/support/electron-browser-shim.ts') } },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: path.join(ROOT, 'preload/index.ts'),
        formats: ['iife'],
        name: 'latchkeyPreload',
      },
    },
  });
  const outputs = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('The preload bundle produced no script.');
  return chunk.code;
}
