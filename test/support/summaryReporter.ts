import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that any CI can read. A test file that
 * failed outside its tests (an import, a hook, a build it needed) and errors outside any file are counted too,
 * so the line never reads clean while the run failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    let brokenFiles = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) count[test.result().state]++;
      if (module.errors().length > 0) brokenFiles++;
    }
    let line = `${count.passed} passed, ${count.failed} failed, ${count.skipped + count.pending} skipped`;
    if (brokenFiles > 0) line += `, ${brokenFiles} test files failed outside their tests`;
    if (unhandledErrors.length > 0) line += `, ${unhandledErrors.length} unhandled errors`;
    process.stdout.write(`\n${line}\n`);
  }
}
