import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the browser tests never download one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for this closed network: no background connections (update checks, sync, field trials) that would be
 * refused or fail to resolve, no QUIC, no GPU, no sandbox (the tests run as root in CI).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What the browser tests' global setup found: whether Chromium launches, and if not, why. */
export interface ChromiumCheck {
  readonly ok: boolean;
  readonly reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/browser/globalSetup.ts. */
    chromium: ChromiumCheck;
  }
}

/** Launches Debian's Chromium headless with playwright-core, with a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium); test/browser/globalSetup.ts does it when run as root`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}
