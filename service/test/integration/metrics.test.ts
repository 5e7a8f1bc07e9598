import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { startRestServer } from '../../src/restServer.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A Prometheus text exposition, parsed: every sample by its name and labels as written (`name{a="b"}`). */
function parse(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name as string, type as string);
    } else if (line !== '' && !line.startsWith('#')) {
      const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      samples.set(match[1] as string, Number(match[2]));
    }
  }
  return { samples, types };
}

describe.skipIf(amqpUrl === '')('GET /metrics (real broker)', () => {
  it('answers the Prometheus text format behind the token, with counts, gauges, a wait histogram and top hosts only', async () => {
    const namespace = uniqueNamespace('metrics');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 2,
      handle: async (e: FairEvent) => {
        if (e.host === 'busy') await gate; // keeps a backlog on one host while the others finish
      },
    });
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    const server = await startRestServer(scheduler, {
      port: 0,
      token: 't',
      dashboard: false,
      metrics: { topHosts: 1 },
      stats: { brokerRefreshMs: 1000 },
    });
    cleanup.push(() => server.close());
    const scrape = async () => {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer t' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parse(await response.text());
    };
    await scrape(); // as Prometheus does from the start: the wait histogram counts from the first scrape on
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    await producer.publish(['q1', 'q2'].map((host) => ({ id: host, host, vm: 'v', policy: 'p', action: 'heal' })));
    await waitFor(
      'the quiet hosts done',
      () => scheduler.stats().done === 2,
      10_000,
      () => scheduler.stats(),
    );
    const busy: FairEvent[] = [];
    for (let i = 0; i < 20; i++) busy.push({ id: `b${i}`, host: 'busy', vm: 'v', policy: 'p', action: 'heal' });
    await producer.publish(busy);
    await waitFor(
      'two of busy running',
      () => scheduler.stats().active === 2,
      10_000,
      () => scheduler.stats(),
    );

    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    // Busy's 18 other events wait in memory or in the broker, as of the stream's last look at the broker.
    const backlog = ({ samples }: ReturnType<typeof parse>) =>
      (samples.get('rxjs_fair_events_queued') ?? 0) + (samples.get('rxjs_fair_events_in_broker') ?? NaN);
    let metrics = await scrape();
    await waitFor(
      'the broker look',
      async () => backlog((metrics = await scrape())) === 18,
      10_000,
      () => [...metrics.samples],
    );
    const { samples, types } = metrics;
    console.log(
      `metrics scrape (excerpt): ${[...samples]
        .filter(([name]) => !name.includes('_bucket') && !name.endsWith('_sum'))
        .map(([name, value]) => `${name} ${value}`)
        .join(' | ')}`,
    );
    expect(samples.get('rxjs_fair_events_done_total')).toBe(2);
    expect(samples.get('rxjs_fair_events_failed_total')).toBe(0);
    expect(samples.get('rxjs_fair_actions_running')).toBe(2); // two of busy's, held by the gate
    expect(samples.get('rxjs_fair_concurrency')).toBe(2);
    expect(samples.get('rxjs_fair_consuming')).toBe(1);
    // One busy host, and nothing dispatched in the rate's window: no index (NaN), not 0.
    expect(samples.get('rxjs_fair_fairness_jain')).toBeNaN();
    expect(samples.get('rxjs_fair_hosts')).toBe(3);
    // Dispatched: the two quiet ones and the two running.
    expect(samples.get('rxjs_fair_events_dispatched')).toBe(4);
    expect(types.get('rxjs_fair_wait_seconds')).toBe('histogram');
    expect(samples.get('rxjs_fair_wait_seconds_count{stage="scheduler"}')).toBe(4);
    expect(samples.get('rxjs_fair_wait_seconds_bucket{le="+Inf",stage="scheduler"}')).toBe(4);
    expect(samples.get('rxjs_fair_wait_seconds_count{stage="end_to_end"}')).toBe(4); // the Producer stamps its events
    expect(types.get('rxjs_fair_events_done_total')).toBe('counter');
    // Per-host series: only the top host by backlog, whatever the number of hosts.
    const hostLabels = [...samples.keys()]
      .filter((name) => name.startsWith('rxjs_fair_host_'))
      .map((n) => /host="([^"]*)"/.exec(n)?.[1]);
    expect(new Set(hostLabels)).toEqual(new Set(['busy']));
    expect(samples.get('rxjs_fair_host_actions_running{host="busy"}')).toBe(2);
    for (const name of samples.keys()) expect(name.startsWith('rxjs_fair_'), name).toBe(true);

    release();
    await waitFor(
      'every event done',
      () => scheduler.stats().done === 22,
      10_000,
      () => scheduler.stats(),
    );
    const after = (await scrape()).samples;
    expect(after.get('rxjs_fair_events_done_total')).toBe(22); // a counter: what was added since the last scrape
    expect(after.get('rxjs_fair_wait_seconds_count{stage="scheduler"}')).toBe(22);
    expect(after.get('rxjs_fair_wait_seconds_count{stage="end_to_end"}')).toBe(22);
  });
});
