import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FairSnapshot } from 'rxjs-fair';
import { Scheduler } from '../../src/index.js';
import { startRestServer, type RestServer } from '../../src/restServer.js';
import { amqpUrl, event, uniqueNamespace, waitFor } from './helpers.js';

const TOKEN = 'test-token-123';
describe.skipIf(amqpUrl === '')('REST API (real broker)', () => {
  const ran: string[] = [];
  let scheduler: Scheduler;
  let server: RestServer;

  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  });

  beforeAll(async () => {
    scheduler = new Scheduler({
      url: amqpUrl,
      namespace: uniqueNamespace('rest'),
      concurrency: 4,
      handle: (e) => void ran.push(e.id),
    });
    server = await startRestServer(scheduler, { port: 0, token: TOKEN });
    expect(await json(await call('GET', '/health', undefined, {}))).toEqual({
      status: 503,
      body: { status: 'not consuming' },
    });
    await scheduler.start();
  });

  afterAll(async () => {
    await server?.close();
    await scheduler?.stop(5000);
  });

  it('answers GET /health with 200 while consuming, without a token', async () => {
    expect(await json(await call('GET', '/health', undefined, {}))).toEqual({
      status: 200,
      body: { status: 'consuming' },
    });
  });

  it('answers 401 without a token and 403 with a wrong one, on every other route', async () => {
    for (const [method, path, body] of [
      ['POST', '/events', event('a')],
      ['PUT', '/availability', {}],
      ['GET', '/stats', undefined],
    ] as const) {
      const none = await call(method, path, body, {});
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await none.json()) as { reason: string }).reason).toMatch(/Authorization: Bearer/);
      expect((await call(method, path, body, { authorization: 'Basic Zm9vOmJhcg==' })).status).toBe(401);
      const wrong = await call(method, path, body, { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toEqual({ error: 'Forbidden', reason: 'wrong token' });
    }
    expect(ran).not.toContain('a');
  });

  it('takes one event or an array with 202 once the broker confirmed them, and runs them', async () => {
    expect(await json(await call('POST', '/events', event('one')))).toEqual({ status: 202, body: { accepted: 1 } });
    const batch = Array.from({ length: 50 }, (_, i) => event(`batch-${i}`, { host: `h${i % 3}` }));
    expect(await json(await call('POST', '/events', batch))).toEqual({ status: 202, body: { accepted: 50 } });
    await waitFor(
      'the 51 events to run',
      () => ['one', ...batch.map((e) => e.id)].every((id) => ran.includes(id)),
      20_000,
    );
  });

  it('answers 400 naming the failing field, and publishes nothing of a bad batch', async () => {
    const cases: [unknown, string, RegExp][] = [
      ['{"id": "x", ', '(body)', /^malformed JSON/],
      [{ id: 'x', host: 'h1', vm: 'vm1', action: 'heal' }, 'policy', /^is required$/],
      [event('x', { host: 7 as unknown as string }), 'host', /^must be string$/],
      [event('x', { vm: '' }), 'vm', /^must NOT have fewer than 1 characters$/],
      [[event('ok-1'), { ...event('x'), id: 3 }], '[1].id', /^must be string$/],
      [[], '(body)', /^must hold at least one event$/],
      ['"just a string"', '(body)', /^must be object$/],
    ];
    for (const [body, field, reason] of cases) {
      const { status, body: answer } = await json(await call('POST', '/events', body));
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.field, JSON.stringify(body)).toBe(field);
      expect(answer.reason, JSON.stringify(body)).toMatch(reason);
    }
    const bad = await json(await call('PUT', '/availability', { h1: { vm1: 'ASLEEP' } }));
    expect(bad).toEqual({
      status: 400,
      body: { error: 'Bad Request', field: 'h1.vm1', reason: 'must be "ACTIVE", "DOWN" or "MAINTENANCE"' },
    });
    expect(
      (await call('POST', '/events', 'id=1', { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }))
        .status,
    ).toBe(415);
    expect(ran).not.toContain('ok-1');
  });

  it('answers 413 over the body limit (1 MiB by default)', async () => {
    const big = JSON.stringify(event('big', { payload: 'x'.repeat(1024 * 1024) }));
    const { status, body } = await json(await call('POST', '/events', big));
    expect(status).toBe(413);
    expect(body.reason).toBe('the body is larger than the limit of 1048576 bytes');
    const fits = JSON.stringify(event('fits', { payload: 'x'.repeat(1000 * 1000) }));
    expect((await call('POST', '/events', fits)).status).toBe(202);
    await waitFor('the event just under the limit to run', () => ran.includes('fits'));
  });

  it('puts availability in force before answering, and reports stats', async () => {
    // The library's stats are watched from the first read on: it opens a window with nothing dispatched yet.
    const opened = (await json(await call('GET', '/stats'))).body.library as FairSnapshot;
    expect(opened.totals).toMatchObject({ dispatched: 0, wait: null });
    const ranBefore = ran.length;
    const put = await json(await call('PUT', '/availability', { h9: { vm1: 'MAINTENANCE' } }));
    expect(put).toEqual({ status: 200, body: { availability: { h9: { vm1: 'MAINTENANCE' } } } });
    expect(
      await json(
        await call('POST', '/events', [event('held', { host: 'h9' }), event('free', { host: 'h9', vm: 'vm2' })]),
      ),
    ).toMatchObject({ status: 202 });
    await waitFor('the free event', () => ran.includes('free'));
    await waitFor('the held event to be parked', () => scheduler.stats().parked === 1);
    expect(ran).not.toContain('held');

    const stats = await json(await call('GET', '/stats'));
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      consuming: true,
      concurrency: 4,
      active: 0,
      failed: 0,
      parked: 1,
      availability: { h9: { vm1: 'MAINTENANCE' } },
    });
    expect(stats.body.done).toBe(ran.length);
    expect(stats.body.inBroker).toMatchObject({ parked: { 'h9/vm1': 1 }, hosts: {} });
    // The library's FairStats snapshot: every dispatch since the first read (the parked event never entered the
    // tree), per host with its waits; a second call covers the window since the first.
    const library = stats.body.library as FairSnapshot;
    expect(library).toMatchObject({ since: opened.time, totals: { dispatched: ran.length - ranBefore } });
    expect(library.totals).toMatchObject({ queued: 0, active: 0 });
    expect(library.keys.find((k) => k.key === 'h9')).toMatchObject({ dispatched: 1, wait: { count: 1 } });
    expect(library.fairness).not.toBeNull();
    const again = (await json(await call('GET', '/stats'))).body.library as FairSnapshot;
    expect(again).toMatchObject({ since: library.time, totals: { dispatched: 0, wait: null } });

    expect((await json(await call('PUT', '/availability', { h9: 'ACTIVE' }))).body).toEqual({ availability: {} });
    await waitFor('the held event once its VM is back', () => ran.includes('held'));
  });

  it('stays up after all of that, and answers 503 on health once the scheduler stops', async () => {
    expect((await call('GET', '/health', undefined, {})).status).toBe(200);
    expect((await call('GET', '/nowhere')).status).toBe(404);
    await scheduler.stop(5000);
    expect(await json(await call('GET', '/health', undefined, {}))).toEqual({
      status: 503,
      body: { status: 'not consuming' },
    });
    const post = await call('POST', '/events', event('late'));
    expect(post.status).toBe(503);
  });
});
