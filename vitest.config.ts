import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests never load the real `electron` (its entry downloads a binary): one central fake.
    alias: [{ find: /^electron$/, replacement: path.resolve('test/main/fake-electron.ts') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // electron-store imports `electron` itself: inlined, so the alias above applies to it too.
    server: { deps: { inline: ['electron-store'] } },
  },
});
