import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the Node version the tests run on when they start, and the plain `N passed, N failed`
 * line that CI reads after vitest's own summary.
 */
export default class SummaryReporter implements Reporter {
  onInit(): void {
    // The test workers are forks of this process: the same Node binary.
    process.stdout.write(`Tests run on Node ${process.version} (${process.execPath})\n`);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedHere += 1;
        else skipped += 1;
      }
      // A file that failed outside any test (a hook, an import) counts as one failure.
      failed += failedHere || (module.state() === 'failed' ? 1 : 0);
    }
    process.stdout.write(
      `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
