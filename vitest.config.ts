import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          // The service's broker-free tests too (service/test/*.test.ts): they import `rxjs-fair` as built.
          include: ['test/**/*.test.ts', 'marbles/**/*.spec.ts', 'service/test/*.test.ts'],
          exclude: ['test/browser/**', '**/node_modules/**'],
          globalSetup: ['test/support/buildLibrary.ts'],
        },
      },
      {
        // Against a real RabbitMQ, which globalSetup starts (installing it when missing) and stops.
        test: {
          name: 'integration',
          include: ['service/test/integration/**/*.test.ts'],
          globalSetup: ['service/test/integration/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores: one file at a time keeps the timings of each test (and of the broker) steady.
          fileParallelism: false,
        },
      },
      {
        // The in-browser demo (web/) and the service's dashboard in Debian's Chromium via playwright-core; globalSetup
        // installs Chromium when missing (as root) and, with CI=true, fails the run if it cannot launch.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts', 'service/test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
