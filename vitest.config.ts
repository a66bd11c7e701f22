import { availableParallelism } from 'node:os';
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
    // vitest's default is one worker per core less one: a single worker on 2 cores, though most
    // files spend their time waiting on a service, a browser or a child process. Two at least.
    maxWorkers: Math.max(2, availableParallelism()),
    // Hang guards, not speed claims: a test slowed down by a busy machine must not fail for it.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // expect.poll waits for a condition: vitest's 1 s default failed tests on a busy machine.
    expect: { poll: { timeout: 60_000 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
    // electron-store imports `electron` itself: inlined, so the alias above applies to it too.
    server: { deps: { inline: ['electron-store'] } },
  },
});
