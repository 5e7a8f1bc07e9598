// A 3-node RabbitMQ cluster of its own (cluster.ts): the node holding the host queues (classic queues, on the node
// of the connection that declared them) is killed with -9 while a scheduler connected to another node works
// through 3,000 events. Health must tell the truth (issue 16, item 5): the cancelled consumers logged, `/health` 503
// and `rxjs_fair_consuming 0` while they are not consumed; once the node is back, consumed again, `/health` 200 and
// every event done. Duplicates are counted and printed, not asserted.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Channel } from 'amqplib';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { generateEvents, Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { startRestServer } from '../../src/restServer.js';
import { assertHostQueue, assertTopology, hostQueue, topology } from '../../src/topology.js';
import { analyseActionLog, type ActionRecord } from '../actionLog.js';
import { clusterSkipped, useCluster } from './cluster.js';
import { uniqueNamespace, waitFor } from './helpers.js';

const cluster = useCluster();

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const now = () => performance.timeOrigin + performance.now();

describe.skipIf(clusterSkipped)('a 3-node cluster (real brokers)', () => {
  it('the node of the host queues killed with -9: health tells the truth, and every event is done once it is back', async () => {
    const namespace = uniqueNamespace('cluster');
    const t = topology({ namespace });
    const [url0, url1, url2] = cluster.urls as [string, string, string];
    const events: FairEvent[] = [...generateEvents({ hosts: 6, vms: 4, policies: 2, events: 3000 })];
    const hosts = [...new Set(events.map((e) => e.host))];

    // The topology (exchanges, dead letters, the control and done streams) from node 1, the host queues from node 0:
    // a classic queue lives on the node of the connection that declared it first.
    const declareOn = async (url: string, declare: (channel: Channel) => Promise<unknown>) => {
      const connection = await connect(url);
      try {
        await declare(await connection.createChannel());
      } finally {
        await connection.close();
      }
    };
    await declareOn(url1, (channel) => assertTopology(channel, t));
    await declareOn(url0, (channel) => Promise.all(hosts.map((host) => assertHostQueue(channel, t, host))));
    const where = await cluster.current.queueNodes(`${namespace}.host.`, 1);
    expect(Object.fromEntries(where)).toEqual(Object.fromEntries(hosts.map((host) => [hostQueue(t, host), 0])));

    const started = Date.now();
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(2)} s ${what}`);
    onTestFailed(() => console.log(`what happened:\n${timeline.join('\n')}`));
    const log: string[] = [];
    const records: ActionRecord[] = [];
    const scheduler = new Scheduler({
      // Node 1 first: the scheduler's connection outlives the node killed.
      url: [url1, url2, url0],
      namespace,
      concurrency: 16,
      handle: async (e) => {
        const start = now();
        await sleep(15);
        records.push({ id: e.id, host: e.host, vm: e.vm, scheduler: 's1', start, end: now() });
      },
      log: (line) => {
        log.push(line);
        mark(`log: ${line}`);
      },
    });
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    const server = await startRestServer(scheduler, { port: 0, token: 't', dashboard: false });
    cleanup.push(() => server.close());
    const health = async () => (await fetch(`${server.url}/health`)).status;
    const consumingMetric = async () => {
      const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer t' } })).text();
      return Number(/^rxjs_fair_consuming (\S+)$/m.exec(text)?.[1]);
    };
    // What /health answered, sampled every 100 ms for the whole run.
    const healthSamples: { at: number; status: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const status = await health().catch(() => 0);
        if (healthSamples.at(-1)?.status !== status) mark(`/health ${status}`);
        healthSamples.push({ at: Date.now(), status });
        await sleep(100);
      }
    })();
    // And what `consuming` (which /health and /metrics tell) said, looked at every 5 ms in this process.
    const consumingSamples: { at: number; consuming: boolean }[] = [];
    const poll = setInterval(() => consumingSamples.push({ at: Date.now(), consuming: scheduler.consuming }), 5);
    cleanup.push(async () => {
      sampling = false;
      clearInterval(poll);
      await sampler;
    });

    // The producer on node 2: it outlives the kill too.
    const producer = await Producer.connect({ url: [url2, url1], namespace });
    cleanup.push(() => producer.close());
    expect(await producer.publish(events)).toBe(3000);
    mark(`published 3,000 (${records.length} done)`);
    await waitFor('a quarter of the events done', () => records.length >= 750, 30_000);
    expect(await health()).toBe(200);
    expect(await consumingMetric()).toBe(1);

    await cluster.kill(0);
    const killedAt = records.length;
    mark(`node 0 killed (${killedAt} done)`);

    await waitFor(
      'every host queue cancelled, and logged',
      () => hosts.every((host) => log.some((line) => line.includes(`cancelled the consumer of ${hostQueue(t, host)}`))),
      20_000,
      () => log,
    );
    mark(`every cancel logged (${records.length} done)`);
    expect(await health()).toBe(503);
    expect(await consumingMetric()).toBe(0);
    // Not consumed while the node is down: 503 all along, and nothing more done once what was in memory ran.
    const downFrom = Date.now();
    await sleep(3000);
    const stalledAt = records.length;
    await sleep(1000);
    expect(records.length).toBe(stalledAt);
    expect(healthSamples.filter((s) => s.at >= downFrom).map((s) => s.status)).not.toContain(200);
    expect(consumingSamples.filter((s) => s.at >= downFrom && s.consuming)).toEqual([]);
    expect(await consumingMetric()).toBe(0);
    // Its own connection (to node 1) was never lost: only the consumers of the node killed were.
    expect(log.filter((line) => line.includes('lost the broker'))).toEqual([]);
    mark(`still down: ${stalledAt} done`);

    const restartAt = Date.now();
    await cluster.restart(0);
    mark('node 0 restarted');
    await waitFor(
      '/health 200 again',
      async () => (await health()) === 200,
      30_000,
      () => log,
    );
    mark(`/health 200 after the restart (${records.length} done)`);
    expect(await consumingMetric()).toBe(1);
    await waitFor(
      'every event done',
      () => new Set(records.map((r) => r.id)).size === 3000,
      30_000,
      () => ({
        done: new Set(records.map((r) => r.id)).size,
        log,
      }),
    );
    mark('every event done');

    const analysis = analyseActionLog(records, { expected: events.map((e) => e.id) });
    expect(analysis.missing).toEqual([]);
    console.log(
      [
        `cluster kill -9 of the node of the host queues: killed after ${killedAt} of 3,000 done, stalled at ${stalledAt}; ` +
          `back after the restart in ${((Date.now() - restartAt) / 1000).toFixed(1)} s; ${analysis.extraRuns} ran twice ` +
          `(${[...analysis.duplicates.keys()].slice(0, 10).join(', ')})`,
        ...timeline,
      ].join('\n'),
    );
  });
});
