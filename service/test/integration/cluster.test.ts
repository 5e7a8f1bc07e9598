// A 3-node RabbitMQ cluster of its own (cluster.ts): the node holding the host queues (classic queues, on the node
// of the connection that declared them) is killed with -9 while a scheduler works through 3,000 events. Health must
// tell the truth (issue 16, item 5): the loss logged, `/health` 503 and `rxjs_fair_consuming 0` while the host queues
// are not consumed; once the node is back, consumed again, `/health` 200 and every event done. Duplicates are
// counted and printed, not asserted. From the handler's log (test/actionLog.ts).
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

/** What each test leaves to undo, by name: a step that takes over 15 s is told and left behind. */
const cleanup: [string, () => Promise<unknown>][] = [];
afterEach(async () => {
  for (const [name, step] of cleanup.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 15_000)));
    const result = await Promise.race([step().catch(() => {}), late]);
    clearTimeout(timer);
    if (result === 'late') console.log(`cleanup: ${name} did not finish within 15 s; left behind`);
  }
});

const now = () => performance.timeOrigin + performance.now();

/**
 * Kills node 0, where the host queues live, with -9 in the middle of 3,000 events; the scheduler is connected to
 * another node (only its consumers of node 0 are cancelled), or to node 0 itself (its connection is lost too).
 */
async function nodeOfHostQueuesKilled(schedulerOn: 'another node' | 'that node'): Promise<void> {
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
  const repeated = new Map<string, number>();
  const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(2)} s ${what}`);
  const told = () => [...timeline, ...[...repeated].map(([line, n]) => `(and ${n} more times: ${line})`)];
  onTestFailed(() => console.log(`what happened:\n${told().join('\n')}`));
  const log: string[] = [];
  const records: ActionRecord[] = [];
  const scheduler = new Scheduler({
    // Node 1 first: its connection outlives the node killed; or node 0 first, and its connection goes with it.
    url: schedulerOn === 'another node' ? [url1, url2, url0] : [url0, url1, url2],
    namespace,
    concurrency: 16,
    handle: async (e) => {
      const start = now();
      await sleep(15);
      records.push({ id: e.id, host: e.host, vm: e.vm, scheduler: 's1', start, end: now() });
    },
    log: (line) => {
      log.push(line);
      // A line told again (a reconnection loop) is counted, not repeated.
      const key = line.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:*');
      if (repeated.has(key)) repeated.set(key, (repeated.get(key) ?? 0) + 1);
      else {
        repeated.set(key, 0);
        mark(`log: ${line}`);
      }
    },
  });
  cleanup.push(['scheduler.stop(2000)', () => scheduler.stop(2000)]);
  await scheduler.start();
  const server = await startRestServer(scheduler, { port: 0, token: 't', dashboard: false });
  cleanup.push(['the REST server closed', () => server.close()]);
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
  cleanup.push([
    'the samplers stopped',
    async () => {
      sampling = false;
      clearInterval(poll);
      await sampler;
    },
  ]);

  // The producer on node 2: it outlives the kill too.
  const producer = await Producer.connect({ url: [url2, url1], namespace });
  cleanup.push(['producer.close()', () => producer.close()]);
  expect(await producer.publish(events)).toBe(3000);
  mark(`published 3,000 (${records.length} done)`);
  await waitFor('a quarter of the events done', () => records.length >= 750, 30_000);
  expect(await health()).toBe(200);
  expect(await consumingMetric()).toBe(1);

  await cluster.kill(0);
  const killedAt = records.length;
  mark(`node 0 killed (${killedAt} done)`);

  if (schedulerOn === 'another node') {
    await waitFor(
      'every host queue cancelled, and logged',
      () => hosts.every((host) => log.some((line) => line.includes(`cancelled the consumer of ${hostQueue(t, host)}`))),
      20_000,
      () => log,
    );
    mark(`every cancel logged (${records.length} done)`);
  } else {
    await waitFor(
      'the connection lost, and logged',
      () => log.some((line) => line.includes('lost the broker')),
      20_000,
    );
    mark(`the loss logged (${records.length} done)`);
  }
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
  // On another node, its own connection was never lost: only the consumers of the node killed were.
  if (schedulerOn === 'another node') expect(log.filter((line) => line.includes('lost the broker'))).toEqual([]);
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
      `cluster kill -9 of the node of the host queues, the scheduler on ${schedulerOn}: killed after ${killedAt} of 3,000 done, stalled at ${stalledAt}; ` +
        `back after the restart in ${((Date.now() - restartAt) / 1000).toFixed(1)} s; ${analysis.extraRuns} ran twice ` +
        `(${[...analysis.duplicates.keys()].slice(0, 10).join(', ')})`,
      ...told(),
    ].join('\n'),
  );
}

describe.skipIf(clusterSkipped)('a 3-node cluster (real brokers)', () => {
  it('the node of the host queues killed with -9 under a scheduler on another node: health tells the truth, and every event is done once it is back', () =>
    nodeOfHostQueuesKilled('another node'));

  // Known to fail with the code of today (issue 16, item 5): connected to the node killed, the scheduler reconnects
  // to another and declares the host queues again on its consumer channel; the broker refuses (404, "home node ...
  // is down") and closes that channel, which ends the session: it reconnects again at once, about 15 times a
  // second, and `consuming` (so /health) is true for a moment after each reconnection. (And `stop()` during that
  // loop twice did not finish in 6 runs: the cleanup tells it.) Unskip once the intake handles it.
  it.skip('the node of the host queues killed with -9 under a scheduler connected to it: the same', () =>
    nodeOfHostQueuesKilled('that node'));
});
