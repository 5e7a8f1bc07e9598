import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, type ChromiumCheck } from './chromium.js';
import { serveFolder, type StaticServer } from './staticServer.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const output = join(root, 'test-output');
const built = join(output, 'web-dist');

/** Undefined when test/browser/globalSetup.ts is not configured: then a missing Chromium fails at launch. */
const chromium = inject('chromium') as ChromiumCheck | undefined;

/** Records layout shifts (Chromium's Layout Instability API) from the first paint on. */
const RECORD_LAYOUT_SHIFTS = `
  window.__shifts = [];
  if (PerformanceObserver.supportedEntryTypes.includes('layout-shift')) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__shifts.push({ value: entry.value, time: entry.startTime, input: entry.hadRecentInput });
    }).observe({ type: 'layout-shift', buffered: true });
  }
`;

const HOSTS_AFTER_SLIDER = 7;
const EVENTS = 5000;

describe.skipIf(chromium?.ok === false)('in-browser demo (web/), in Chromium', () => {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  let page: Page;
  /** Console errors and warnings, page errors, failed requests: there should be none. */
  const problems: string[] = [];

  /** A number the page shows: its `data-value`, checked against the text a person reads. */
  async function shown(testId: string): Promise<number> {
    const element = page.getByTestId(testId);
    const [raw, text] = [await element.getAttribute('data-value'), (await element.textContent()) ?? ''];
    expect(raw, `${testId} has a value`).not.toBe('');
    const value = Number(raw);
    expect(Number.isFinite(value), `${testId} = ${raw}`).toBe(true);
    expect(text.replace(/,/g, ''), `${testId} shows its value`).toContain(String(Math.round(value)));
    return value;
  }

  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    await build({
      configFile: join(root, 'web', 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: built, emptyOutDir: true },
    });
    server = await serveFolder(built);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.addInitScript(RECORD_LAYOUT_SHIFTS);
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('should bundle the library for the browser without Node built-ins', () => {
    const scripts = readdirSync(join(built, 'assets')).filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) {
      const code = readFileSync(join(built, 'assets', file), 'utf8');
      expect(code).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(/);
      expect(code).toContain('fairMergeMap'); // the lane's title, next to the operator it names
    }
  });

  it('should open idle, with a labelled slider for each setting and a Run button', async () => {
    await expect.poll(() => page.getByTestId('status').getAttribute('data-state')).toBe('idle');
    for (const name of ['Hosts', 'VMs per host', 'Noisy share', 'Concurrency', 'Events']) {
      expect(await page.getByRole('slider', { name }).count(), name).toBe(1);
    }
    expect(await page.getByRole('button', { name: 'Run' }).count()).toBe(1);
    expect(await page.getByTestId('value-hosts').textContent()).toBe('6');
    expect(await page.getByTestId('value-skew').textContent()).toBe('90 %');
  });

  it('should move the hosts slider with the keyboard and show its value', async () => {
    const hosts = page.getByRole('slider', { name: 'Hosts' });
    await hosts.focus();
    await page.keyboard.press('ArrowRight');
    expect(await hosts.inputValue()).toBe(String(HOSTS_AFTER_SLIDER));
    expect(await page.getByTestId('value-hosts').textContent()).toBe(String(HOSTS_AFTER_SLIDER));
    expect(await hosts.getAttribute('aria-valuetext')).toBe(String(HOSTS_AFTER_SLIDER));
  });

  it('should run both lanes to the end without moving the layout while it draws', async () => {
    const runStarted = Number(await page.evaluate('performance.now()'));
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('status').and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('status').textContent()).toMatch(
      /^Done\. Quiet hosts' p99 wait: fair [\d,]+ ms, FIFO [\d,]+ ms\.$/,
    );

    expect(await page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')")).toBe(true);
    const shifts = (await page.evaluate('window.__shifts')) as { value: number; time: number; input: boolean }[];
    // Rows change right after the click (fewer hosts): that counts as input. Nothing may move after that.
    expect(shifts.filter((shift) => shift.time > runStarted && !shift.input)).toEqual([]);
  });

  it("should show the quiet hosts' p99 wait far below FIFO's under fairMergeMap", async () => {
    const fair = await shown('quiet-p99-fair');
    const fifo = await shown('quiet-p99-fifo');
    expect(fair * 10).toBeLessThan(fifo);
    expect(await page.getByTestId('quiet-ratio').textContent()).toMatch(/^[\d,.]+× lower$/);
    // The lanes' tables say the same, and so does each quiet host on its own.
    expect(await shown('fair-quiet-p99')).toBe(fair);
    expect(await shown('fifo-quiet-p99')).toBe(fifo);
    for (let host = 1; host < HOSTS_AFTER_SLIDER; host++) {
      expect(await shown(`fair-host-${host}-p99`), `compute${host}`).toBeLessThan(await shown(`fifo-host-${host}-p99`));
    }
    // The chart's bars carry the same numbers.
    expect(Number(await page.getByTestId('p99-bar-fair-1').getAttribute('data-value'))).toBe(
      await shown('fair-host-1-p99'),
    );
    expect(Number(await page.getByTestId('p99-bar-fifo-1').getAttribute('data-value'))).toBe(
      await shown('fifo-host-1-p99'),
    );
  });

  it('should add up: every event once, the same events per host in both lanes', async () => {
    expect(await shown('total-events')).toBe(EVENTS);
    for (const lane of ['fair', 'fifo']) {
      const perHost: number[] = [];
      for (let host = 0; host < HOSTS_AFTER_SLIDER; host++) perHost.push(await shown(`${lane}-host-${host}-events`));
      expect(await page.getByTestId(`${lane}-waits`).locator('tbody tr').count()).toBe(HOSTS_AFTER_SLIDER);
      expect(
        perHost.reduce((sum, count) => sum + count, 0),
        lane,
      ).toBe(EVENTS);
      expect(await shown(`${lane}-total-events`)).toBe(EVENTS);
      expect(await shown(`${lane}-quiet-events`)).toBe(EVENTS - (perHost[0] as number));
      expect(await shown(`${lane}-dispatched`)).toBe(EVENTS);
      expect(await shown(`${lane}-quiet-waiting`)).toBe(0);
      expect(perHost[0], 'compute0 sends 90 %').toBe(EVENTS * 0.9);
    }
    for (let host = 0; host < HOSTS_AFTER_SLIDER; host++) {
      expect(await shown(`fair-host-${host}-events`)).toBe(await shown(`fifo-host-${host}-events`));
    }
    expect(await page.getByTestId('exactly-once').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('checks').textContent()).toBe(
      `Both lanes dispatched and completed all ${EVENTS.toLocaleString('en-US')} events once each (count and id sum), at most 16 at a time.`,
    );
    // The noisy host is marked without colour too.
    const noisyRow = (await page.getByTestId('fair-host-0').textContent()) ?? '';
    expect(noisyRow).toContain('▲');
    expect(noisyRow).toContain('(noisy)');
  });

  it('should be readable at 1280x800: both lanes side by side', async () => {
    const fair = await page.getByTestId('lane-fair').boundingBox();
    const fifo = await page.getByTestId('lane-fifo').boundingBox();
    expect(fair?.y).toBe(fifo?.y);
    expect((fair?.x ?? 0) + (fair?.width ?? 0)).toBeLessThanOrEqual(fifo?.x ?? 0);
    await page.screenshot({ path: join(output, 'demo-1280x800.png') });
    await page.screenshot({ path: join(output, 'demo-1280-full.png'), fullPage: true });
  });

  it('should fit a 375 px wide phone without horizontal scrolling or clipped numbers', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(375);
    const clipped = await page.evaluate(
      "[...document.querySelectorAll('table.waits th, table.waits td, .strip-labels li, .bar-value, .counters dd, .tile, .control-head > *')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent)",
    );
    expect(clipped).toEqual([]);
    const fair = await page.getByTestId('lane-fair').boundingBox();
    const fifo = await page.getByTestId('lane-fifo').boundingBox();
    expect(fifo?.y ?? 0, 'lanes stack').toBeGreaterThan((fair?.y ?? 0) + (fair?.height ?? 0) - 1);
    await page.screenshot({ path: join(output, 'demo-375x812.png') });
    await page.screenshot({ path: join(output, 'demo-375-full.png'), fullPage: true });
  });

  it('should log no errors or warnings', () => {
    expect(problems).toEqual([]);
  });
});
