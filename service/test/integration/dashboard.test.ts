// The dashboard's HTTP side against a real broker: the public page, the token-protected stream, its numbers
// against GET /stats, its throttling, and a clean close with streams open. (The page itself: test/browser/.)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, type FairEvent, type SchedulerStats } from '../../src/index.js';
import { startRestServer, type RestServer } from '../../src/restServer.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';
import { openViewStream, type ViewStream } from './sseClient.js';

const TOKEN = 'dashboard-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe.skipIf(amqpUrl === '')('dashboard over HTTP (real broker)', () => {
  let scheduler: Scheduler;
  let server: RestServer;
  let page: string;
  /** Actions wait for this gate: what is queued stays put while the test compares numbers. */
  let open = false;
  const streams: ViewStream[] = [];

  beforeAll(async () => {
    page = mkdtempSync(join(tmpdir(), 'rxjs-fair-dashboard-'));
    mkdirSync(join(page, 'assets'));
    writeFileSync(
      join(page, 'index.html'),
      '<!doctype html><title>dashboard</title><script type="module" src="./assets/app-1.js"></script>',
    );
    writeFileSync(join(page, 'assets', 'app-1.js'), 'console.log(1)');
    scheduler = new Scheduler({
      url: amqpUrl,
      namespace: uniqueNamespace('dashboard'),
      concurrency: 2,
      prefetch: 3,
      handle: () => waitFor('the gate', () => open, 60_000),
    });
    await scheduler.start();
    server = await startRestServer(scheduler, {
      port: 0,
      token: TOKEN,
      dashboard: page,
      stats: { intervalMs: 100, brokerRefreshMs: 1000 },
    });
  });

  afterAll(async () => {
    open = true;
    for (const stream of streams) stream.close();
    await server?.close();
    await scheduler?.stop(5000);
    rmSync(page, { recursive: true, force: true });
  });

  it('serves the page without a token, with a strict Content-Security-Policy, and its hashed assets', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>dashboard</title>');
    const asset = await fetch(`${server.url}/assets/app-1.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2Findex.html`)).status).toBe(404);
  });

  it('answers 401 without a token and 403 with a wrong one on the stream, and 400 for a bad query', async () => {
    const none = await fetch(`${server.url}/dashboard/stream`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${server.url}/dashboard/stream`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      403,
    );
    expect((await fetch(`${server.url}/stats`)).status).toBe(401);
    const bad = await fetch(`${server.url}/dashboard/stream?limit=1000`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'limit', reason: 'must be an integer from 1 to 100' });
  });

  it('streams views whose numbers match GET /stats, and the broker depths once read', async () => {
    const events: FairEvent[] = [];
    for (let i = 0; i < 30; i++)
      events.push({ id: `n${i}`, host: 'noisy', vm: `vm${i % 3}`, policy: 'heal', action: 'heal' });
    for (const host of ['quiet1', 'quiet2']) events.push({ id: host, host, vm: 'vm1', policy: 'heal', action: 'heal' });
    const posted = await fetch(`${server.url}/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(posted.status).toBe(202);
    // Two actions run (the concurrency) and never finish while the gate is shut; the scheduler holds 3 per host.
    await waitFor(
      'two actions and the prefetch',
      () => scheduler.stats().active === 2 && Object.keys(scheduler.stats().queued).length >= 1,
      20_000,
      () => scheduler.stats(),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stream = await openViewStream(`${server.url}/dashboard/stream?limit=10&host=noisy`, TOKEN);
    streams.push(stream);
    const stats = (await (await fetch(`${server.url}/stats`, { headers: auth })).json()) as SchedulerStats & {
      inBroker: { hosts: Record<string, number> };
    };
    const view = await stream.next(
      (v) =>
        v.brokerAt !== null && v.totals.inBroker === Object.values(stats.inBroker.hosts).reduce((a, b) => a + b, 0),
    );
    const sum = (vms: Record<string, number> | undefined) => Object.values(vms ?? {}).reduce((a, b) => a + b, 0);
    for (const row of view.hosts) {
      expect(row.queued, row.host).toBe(sum(stats.queued[row.host]));
      expect(row.inBroker, row.host).toBe(stats.inBroker.hosts[row.host] ?? 0);
    }
    expect(view.hosts[0]?.host).toBe('noisy'); // the biggest backlog first
    expect(view.totals).toMatchObject({
      active: 2,
      concurrency: 2,
      deadLettered: stats.failed + stats.malformed,
      done: stats.done,
    });
    expect(view.totals.queued + view.totals.active + (view.totals.inBroker ?? 0)).toBe(32);
    expect(view.selected?.host).toBe('noisy');
    expect(view.selected?.vms.reduce((total, vm) => total + vm.queued, 0)).toBe(sum(stats.queued['noisy']));
  });

  it('sends a few views a second however fast the scheduler changes', async () => {
    const stream = await openViewStream(`${server.url}/dashboard/stream`, TOKEN);
    streams.push(stream);
    await stream.next();
    const before = stream.views.length;
    const started = Date.now();
    open = true; // 32 actions finish, each a change (and more: acks, dispatches)
    await waitFor(
      'everything done',
      () => scheduler.stats().done === 32,
      20_000,
      () => scheduler.stats(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const elapsed = Date.now() - started;
    const sent = stream.views.length - before;
    expect(sent).toBeGreaterThan(0);
    // intervalMs is 100 here: at most one view per 100 ms, plus a little slack for timers.
    expect(sent).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    const last = await stream.next((v) => v.totals.done === 32);
    expect(last.totals.queued).toBe(0);
    expect(last.hosts.find((row) => row.host === 'noisy')?.waits?.count).toBe(30);
  });

  it('closes promptly with streams still open', async () => {
    const stream = await openViewStream(`${server.url}/dashboard/stream`, TOKEN);
    streams.push(stream);
    await stream.next();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says how to build the page when it is not built, and keeps the stream', async () => {
    const bare = await startRestServer(scheduler, { port: 0, token: TOKEN, dashboard: false });
    try {
      const index = await fetch(`${bare.url}/`);
      expect(index.status).toBe(404);
      expect(await index.text()).toMatch(/npm run build/);
      const stream = await openViewStream(`${bare.url}/dashboard/stream`, TOKEN);
      streams.push(stream);
      expect((await stream.next()).totals.concurrency).toBe(2);
    } finally {
      await bare.close();
    }
  });
});
