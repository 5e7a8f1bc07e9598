// The service's dashboard (service/dashboard/, served by the REST server at /) in Debian's Chromium, against a scheduler
// consuming from a real RabbitMQ: sign in with the token, then check what a person would: the numbers match
// GET /stats, the VM in MAINTENANCE shows as paused, the numbers move while work runs, the layout does not.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hostKey, Scheduler, topology, type FairEvent, type SchedulerStats } from '../../src/index.js';
import { startRestServer, type RestServer } from '../../src/restServer.js';
import { formatWait } from '../../dashboard/format.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { launchChromium, type ChromiumCheck } from '../../../test/browser/chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const output = join(root, 'test-output');
const built = join(output, 'dashboard-dist');
const chromium = inject('chromium') as ChromiumCheck | undefined;

const TOKEN = 'browser-test-token';
const NAMESPACE = `t.dashboard-page.${process.pid}.${Date.now().toString(36)}`;
const NOISY_EVENTS = 80;
const QUIET_HOSTS = ['compute1', 'compute2', 'compute3', 'compute4', 'compute5'];
const BULK_HOSTS = 40;
const ACTION_MS = 120;

/** Records layout shifts (Chromium's Layout Instability API) from the first paint on. */
const RECORD_LAYOUT_SHIFTS = `
  window.__shifts = [];
  if (PerformanceObserver.supportedEntryTypes.includes('layout-shift')) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__shifts.push({ value: entry.value, time: entry.startTime, input: entry.hadRecentInput });
    }).observe({ type: 'layout-shift', buffered: true });
  }
`;

type Stats = SchedulerStats & { inBroker: { hosts: Record<string, number>; parked: Record<string, number> } };

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sum = (values: Record<string, number> | undefined): number =>
  Object.values(values ?? {}).reduce((a, b) => a + b, 0);

describe.skipIf(chromium?.ok === false)('service dashboard (service/dashboard/), in Chromium against RabbitMQ', () => {
  let broker: TestBroker | undefined;
  let scheduler: Scheduler | undefined;
  let server: RestServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let gateOpen = false;
  let connectedAt = 0;
  const problems: string[] = [];

  /** A call of the REST API, with the token unless `token` is null. */
  const api = async (method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Response> =>
    fetch(`${server?.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const stats = async (): Promise<Stats> => (await (await api('GET', '/stats')).json()) as Stats;

  /** A number the page shows: its `data-value` (a test id within `scope`), checked against the text people read. */
  async function shown(testId: string, scope = page.locator('body')): Promise<number | null> {
    const element = scope.getByTestId(testId).first();
    const raw = await element.getAttribute('data-value');
    if (raw === null || raw === '') return null;
    const value = Number(raw);
    expect(Number.isFinite(value), `${testId} = ${raw}`).toBe(true);
    const text = ((await element.textContent()) ?? '').replace(/,/g, '');
    // Waits read in ms, or in seconds from 1 s on ("3.0 s"): the page's own format of the value.
    if (testId === 'p50' || testId === 'p99') expect(text, `${testId} = ${value}`).toBe(formatWait(value));
    else if (Number.isInteger(value)) expect(text, `${testId} shows ${value}`).toContain(String(value));
    return value;
  }

  beforeAll(async () => {
    mkdirSync(output, { recursive: true });
    await build({
      configFile: join(root, 'dashboard', 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: built, emptyOutDir: true },
    });
    broker = await startTestBroker();
    scheduler = new Scheduler({
      url: broker.url,
      namespace: NAMESPACE,
      concurrency: 2,
      prefetch: 4,
      // Shut until the test opens it: what is queued stays put while numbers are compared.
      handle: async () => {
        await waitUntil('the gate', () => gateOpen, 120_000);
        await new Promise((resolve) => setTimeout(resolve, ACTION_MS));
      },
    });
    await scheduler.start();
    server = await startRestServer(scheduler, {
      port: 0,
      token: TOKEN,
      dashboard: built,
      stats: { brokerRefreshMs: 1000 },
    });

    // compute2's vm1 goes into MAINTENANCE before its events arrive: they are parked, not run.
    expect((await api('PUT', '/availability', { compute2: { vm1: 'MAINTENANCE' } })).status).toBe(200);
    const events: FairEvent[] = [];
    for (let i = 0; i < NOISY_EVENTS; i++)
      events.push({ id: `noisy-${i}`, host: 'compute0', vm: `vm${i % 4}`, policy: 'heal', action: 'heal' });
    for (const host of QUIET_HOSTS)
      for (let i = 0; i < 3; i++)
        events.push({ id: `${host}-${i}`, host, vm: `vm${i % 2}`, policy: 'scale', action: 'scale' });
    for (let i = 0; i < BULK_HOSTS; i++)
      events.push({ id: `bulk-${i}`, host: `bulk${i}`, vm: 'vm0', policy: 'heal', action: 'heal' });
    expect((await api('POST', '/events', events)).status).toBe(202);
    // One malformed message, straight into a host's queue: dead-lettered.
    const connection = await connect(broker.url);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(topology({ namespace: NAMESPACE }).events, hostKey('compute1'), Buffer.from('not json'), {
        persistent: true,
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    // Settled: 2 actions held at the gate, compute2/vm1's event parked, the malformed one dead-lettered.
    await waitUntil('a settled scheduler', async () => {
      const s = await stats();
      return s.active === 2 && s.malformed === 1 && s.parked >= 1 && (s.inBroker.parked[`compute2/vm1`] ?? 0) >= 1;
    });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.addInitScript(RECORD_LAYOUT_SHIFTS);
    await page.goto(server.url);
  }, 300_000);

  afterAll(async () => {
    gateOpen = true;
    await browser?.close();
    await server?.close();
    await scheduler?.stop(5000);
    await broker?.stop();
  }, 120_000);

  it('answers 401 on the data endpoints without a token, and loads the page without one', async () => {
    for (const path of ['/dashboard/stream', '/stats']) {
      const response = await api('GET', path, undefined, null);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect((await api('GET', path, undefined, 'wrong')).status, path).toBe(403);
    }
    const index = await api('GET', '/', undefined, null);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>rxjs-fair scheduler</title>');
  });

  it('shows only the sign-in form until a valid token is entered; a wrong one is refused', async () => {
    expect(await page.getByTestId('login').isVisible()).toBe(true);
    expect(await page.getByTestId('dashboard').isVisible()).toBe(false);
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('signed-out');
    await page.screenshot({ path: join(output, 'dashboard-sign-in.png') });
    const tokenField = page.getByLabel('Access token');
    await tokenField.fill('not-the-token');
    await tokenField.press('Enter');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/refused \(403\)/);
    expect(await page.getByTestId('dashboard').isVisible()).toBe(false);
    // The refused request is expected; nothing else may fail.
    problems.splice(0, problems.length, ...problems.filter((problem) => !/403/.test(problem)));

    await tokenField.fill(TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('dashboard').waitFor({ state: 'visible' });
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    connectedAt = Number(await page.evaluate('performance.now()'));
    expect(await tokenField.inputValue()).toBe(''); // not left in the form
  });

  it('shows the same numbers as GET /stats: queued and in the broker per host, totals, dead letters', async () => {
    const s = await stats();
    const inBroker = sum(s.inBroker.hosts) + sum(s.inBroker.parked);
    await expect.poll(() => shown('tile-in-broker'), { timeout: 10_000 }).toBe(inBroker);
    expect(await shown('tile-queued')).toBe(Object.values(s.queued).reduce((total, vms) => total + sum(vms), 0));
    expect(await shown('tile-active')).toBe(2);
    expect(await shown('tile-dead-lettered')).toBe(s.failed + s.malformed);
    expect(await shown('tile-dead-lettered')).toBe(1);
    expect(await shown('tile-done')).toBe(0);

    const rows = page.locator('tr[data-host]');
    expect(await rows.count()).toBe(20); // one page: 46 hosts, 20 rows
    expect(await page.locator('#host-rows tr').count()).toBe(20);
    expect(await page.getByTestId('page-text').textContent()).toBe('1–20 of 46');
    expect(await rows.first().getAttribute('data-host')).toBe('compute0'); // the biggest backlog first
    for (let i = 0; i < 20; i++) {
      const row = rows.nth(i);
      const host = (await row.getAttribute('data-host')) as string;
      expect(await shown('queued', row), `${host} queued`).toBe(sum(s.queued[host]));
      expect(await shown('in-broker', row), `${host} in broker`).toBe(s.inBroker.hosts[host] ?? 0);
    }
  });

  it('shows the VM in MAINTENANCE as paused, in the list, on its host and among its VMs (chosen with the keyboard)', async () => {
    const paused = page.locator('[data-testid="paused-row"][data-host="compute2"][data-vm="vm1"]');
    expect(await paused.getAttribute('data-state')).toBe('MAINTENANCE');
    expect(await paused.textContent()).toMatch(/^MAINTENANCEcompute2 \/ vm1\d+ parked in the broker$/);
    expect(await shown('tile-paused')).toBe(1);
    const row = page.locator('tr[data-host="compute2"]');
    expect(await row.getByTestId('host-badge').textContent()).toBe('1 VM paused');

    const button = row.getByRole('button', { name: 'compute2' });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
    const vm1 = page.locator('[data-testid="vm-row"][data-vm="vm1"]');
    await vm1.waitFor();
    expect(await vm1.getAttribute('data-state')).toBe('MAINTENANCE');
    expect(await page.locator('#vms-title').textContent()).toBe('VMs of compute2');
  });

  it('finds hosts by name and pages through them, never more rows than a page', async () => {
    const search = page.getByLabel('Find host');
    await search.fill('bulk1');
    await expect.poll(() => page.getByTestId('page-text').textContent()).toBe('1–11 of 11'); // bulk1, bulk10..bulk19
    expect(await page.locator('tr[data-host]').count()).toBe(11);
    expect(await page.locator('#host-rows tr').count()).toBe(20); // empty rows keep the table's height
    await search.fill('');
    await expect.poll(() => page.getByTestId('page-text').textContent()).toBe('1–20 of 46');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.getByTestId('page-text').textContent()).toBe('21–40 of 46');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => page.getByTestId('page-text').textContent()).toBe('1–20 of 46');
  });

  it('updates live while actions run: done, events/s and waits move, nothing jumps', async () => {
    const updatedBefore = await page.getByTestId('updated').textContent();
    const started = Date.now();
    gateOpen = true;
    await expect.poll(() => shown('tile-done'), { timeout: 15_000 }).toBeGreaterThan(0);
    const firstDone = (await shown('tile-done')) as number;
    await expect.poll(() => shown('tile-done'), { timeout: 15_000 }).toBeGreaterThan(firstDone);
    await expect.poll(() => shown('tile-rate'), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('updated').textContent(), { timeout: 5000 }).not.toBe(updatedBefore);
    const noisy = page.locator('tr[data-host="compute0"]');
    await expect.poll(() => shown('p99', noisy), { timeout: 15_000 }).toBeGreaterThan(0);
    // A fairness index appears once busy hosts dispatch.
    await expect
      .poll(async () => (await page.getByTestId('tile-fairness').textContent()) ?? '')
      .toMatch(/^(0|1)\.\d\d$/);
    expect(Date.now() - started).toBeLessThan(30_000);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(output, 'dashboard-1280x800.png') });

    expect(await page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')")).toBe(true);
    const shifts = (await page.evaluate('window.__shifts')) as { value: number; time: number; input: boolean }[];
    expect(shifts.filter((shift) => shift.time > connectedAt && !shift.input)).toEqual([]);
  });

  it('fits a 375 px wide phone without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(375);
    const clipped = await page.evaluate(
      "[...document.querySelectorAll('.tile-value, .host-button, td.num .n, .page-text')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)",
    );
    expect(clipped).toEqual([]);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(output, 'dashboard-375x812.png') });
    await page.screenshot({ path: join(output, 'dashboard-375-full.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(output, 'dashboard-1280-full.png'), fullPage: true });
  });

  it('signs out on request and shows nothing again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.getByTestId('dashboard').isVisible()).toBe(false);
    expect(await page.getByTestId('login').isVisible()).toBe(true);
  });

  it('logs no errors or warnings', () => {
    expect(problems).toEqual([]);
  });
});
