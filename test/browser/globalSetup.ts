import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_PATH, launchChromium, type ChromiumCheck } from './chromium.js';

/**
 * Global setup of the browser tests: makes sure Debian's Chromium is there and launches, installing it with apt
 * when it is missing and we are root. If it still cannot launch, the run fails when `CI=true`; elsewhere the
 * browser tests are skipped, with a warning that says why (never silently).
 */
export default async function setup(project: TestProject): Promise<void> {
  const check = await checkChromium();
  if (!check.ok) {
    const message = `Browser tests cannot launch Chromium: ${check.reason}`;
    if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true: failing rather than skipping)`);
    process.stderr.write(
      `\n${'!'.repeat(100)}\n!! ${message}\n!! SKIPPING the browser tests (set CI=true to make this an error)\n${'!'.repeat(100)}\n\n`,
    );
  }
  project.provide('chromium', check);
}

async function checkChromium(): Promise<ChromiumCheck> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.getuid?.() !== 0)
      return {
        ok: false,
        reason: `${CHROMIUM_PATH} is missing; as root, run: apt-get update && apt-get install -y chromium`,
      };
    process.stderr.write(`${CHROMIUM_PATH} is missing: installing Debian's chromium (apt-get)\n`);
    try {
      execFileSync('sh', ['-c', 'apt-get update && apt-get install -y chromium'], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 600_000,
      });
    } catch (error) {
      return {
        ok: false,
        reason: `apt-get install chromium failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  try {
    const browser = await launchChromium();
    await browser.close();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
