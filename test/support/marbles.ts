import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { expect } from 'vitest';

/** What a marble test saw against what its diagrams say, compared with vitest's deep equality. */
export function observableMatcher(actual: unknown, expected: unknown): void {
  expect(actual).toEqual(expected);
}

/**
 * A fresh `TestScheduler` asserting with vitest, for a test that needs the scheduler outside `run` (to pass it to
 * the code under test, or to check something after the run).
 */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler(observableMatcher);
}

/** `run`'s helpers, plus the scheduler itself for `testScheduler.schedule(fn, frame)` and `testScheduler.now()`. */
export interface MarbleHelpers extends RunHelpers {
  readonly testScheduler: TestScheduler;
}

/**
 * Runs `callback` in virtual time on a fresh `TestScheduler`, as `testScheduler.run` does: every test gets its own
 * scheduler, so no frame, hot observable or pending assertion leaks from one test into the next.
 */
export function runMarbles<T>(callback: (helpers: MarbleHelpers) => T): T {
  const testScheduler = createTestScheduler();
  return testScheduler.run((helpers) => callback({ ...helpers, testScheduler }));
}
