// What the benchmark measures of rxjs-fair's service: the Producer's publish, the Scheduler's start and drain,
// GET /stats, and the wait of a quiet host's events behind a noisy host's backlog.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { Producer, Scheduler, shardOf, startRestServer, type EventHandler, type FairEvent } from '@rxjs-fair/service';
import { brokerQueues, brokerSettled, type Broker } from './infra.js';

export const CONCURRENCY = 16;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The handler of the scale table and of the side by side: an action that takes 1 ms. */
export const oneMs: EventHandler = () => sleep(1);
/** The handler of the comparison with amqplib alone: nothing, so that what is left is the scheduler's own cost. */
export const noop: EventHandler = () => undefined;

/** BENCH_PREFETCH: the scheduler's `prefetch` in the drains (its default otherwise), for an A/B of the read-ahead. */
const PREFETCH = process.env.BENCH_PREFETCH === undefined ? undefined : Number(process.env.BENCH_PREFETCH);
const PREFETCH_OPTION = PREFETCH === undefined ? {} : { prefetch: PREFETCH };

/**
 * What the scheduler of the drains fetches ahead per shard (4 × its prefetch + 1), as a Scheduler made with the same
 * options says (made, never started): amqplib alone and the floor consume with it too.
 */
export const SHARD_PREFETCH =
  4 *
    new Scheduler({
      url: 'amqp://unused',
      handle: noop,
      concurrency: CONCURRENCY,
      ...PREFETCH_OPTION,
    }).prefetch +
  1;

/** Warnings of the schedulers (a lost broker, a failed move): kept for the record, the first ones shown. */
export const warnings: string[] = [];
const log = (line: string): void => {
  if (warnings.push(line) <= 5) process.stderr.write(`${line}\n`);
};

let namespaces = 0;
/** A namespace of its own for each measurement: nothing left by one meets the next. */
export function freshNamespace(tag: string): string {
  return `bench.${tag}.${process.pid}.${++namespaces}`;
}

export const until = async (done: () => boolean, everyMs = 20): Promise<void> => {
  while (!done()) await sleep(everyMs);
};

/** Declares the namespace's topology (a Producer does, as `produce` would), untimed. */
export async function declare(url: string, namespace: string): Promise<void> {
  await (await Producer.connect({ url, namespace })).close();
}

/** `Producer.publish` of the events, timed from the first publish to the last confirm: events/s. */
export async function produce(url: string, namespace: string, events: readonly FairEvent[]): Promise<number> {
  const producer = await Producer.connect({ url, namespace });
  const started = performance.now();
  await producer.publish(events);
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return events.length / seconds;
}

export interface Drain {
  /** From the `start()` call to its promise resolving (consuming), ms. */
  readonly readyMs: number;
  /** From the `start()` call to the first action's start, ms. */
  readonly firstDispatchMs: number;
  /** Events done (acknowledged) per second, from the first action's start to the last acknowledgement. */
  readonly eventsPerSecond: number;
  /** Events the scheduler moved out of their shard into their host's backlog queue. */
  readonly moved: number;
  /** `GET /stats` once the drain is over (its window opened at the start): time (ms) and body (bytes), if asked. */
  readonly stats?: {
    readonly ms: number;
    readonly bytes: number;
    readonly hostsInLibrary: number;
    readonly parts: Record<string, number>;
  };
  /** The scheduler process's CPU time (user + system) per event done, µs, from `start()` to the last ack. */
  readonly cpuMicrosPerEvent: number;
  /** Its heap grown from before `start()` to the end of the drain (after a full GC, when `--expose-gc`), bytes. */
  readonly heapGrowth: number | undefined;
}

/**
 * A Scheduler started on a backlog of `total` events (published beforehand) and run until every one is done, then
 * (with `stats`) `GET /stats` of a REST server on it. `options.dedupeWindow: 0` turns off the record of the ids done.
 */
export async function drain(
  url: string,
  namespace: string,
  total: number,
  handle: EventHandler,
  options: { stats?: boolean; dedupeWindow?: number } = {},
): Promise<Drain> {
  let first = 0;
  let finished = 0;
  const scheduler = new Scheduler({
    url,
    namespace,
    concurrency: CONCURRENCY,
    log,
    ...PREFETCH_OPTION,
    ...(options.dedupeWindow === undefined ? {} : { dedupeWindow: options.dedupeWindow }),
    handle: (event, context) => {
      if (first === 0) first = performance.now();
      const result = handle(event, context);
      if (!(result instanceof Promise)) return void finished++;
      return result.finally(() => finished++);
    },
  });
  try {
    const heapBefore = heapUsed();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await scheduler.start();
    const readyMs = performance.now() - started;
    // The library's stats are watched from their first read on: read now, as an operator's dashboard polling
    // `GET /stats` would have, so that the last read's window covers the drain.
    if (options.stats === true) scheduler.fairSnapshot();
    // `stats()` costs O(hosts seen lately) (it counts what the tree holds per host): asked only for the last acks.
    await until(() => finished >= total);
    await until(() => scheduler.stats().done >= total, 2);
    const eventsPerSecond = total / ((performance.now() - first) / 1000);
    const { user, system } = process.cpuUsage(cpu);
    const heapAfter = heapUsed();
    const result = {
      readyMs,
      firstDispatchMs: first - started,
      eventsPerSecond,
      moved: scheduler.stats().moved,
      cpuMicrosPerEvent: (user + system) / total,
      heapGrowth: heapAfter === undefined || heapBefore === undefined ? undefined : heapAfter - heapBefore,
    };
    return options.stats === true ? { ...result, stats: await getStats(scheduler) } : result;
  } finally {
    await scheduler.stop();
  }
}

/** The heap in use after a full GC, when Node runs with `--expose-gc`. */
function heapUsed(): number | undefined {
  if (typeof globalThis.gc !== 'function') return undefined;
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** One `GET /stats` through the REST server, as an operator's dashboard or script asks it. */
async function getStats(scheduler: Scheduler): Promise<Drain['stats']> {
  const token = randomUUID();
  const server = await startRestServer(scheduler, { port: 0, token, dashboard: false });
  try {
    const started = performance.now();
    const response = await fetch(`${server.url}/stats`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`GET /stats answered ${response.status}: ${body.slice(0, 200)}`);
    // What makes it up: bytes per top-level field, and the hosts the library's snapshot lists.
    const parsed = JSON.parse(body) as Record<string, unknown> & { library?: { keys?: unknown[] } | null };
    const parts = Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, JSON.stringify(value).length]));
    return { ms, bytes: Buffer.byteLength(body), hostsInLibrary: parsed.library?.keys?.length ?? 0, parts };
  } finally {
    await server.close();
  }
}

/**
 * The broker's memory that serving `hosts` idle hosts leaves behind: a scheduler runs idle on a fresh namespace
 * (memory `before`), one event per host is published and done, and the memory is read again (`after`). Both with a
 * garbage collection first (`measure`).
 */
export async function idleHosts(
  url: string,
  namespace: string,
  hosts: number,
  measure: () => number,
): Promise<{ before: number; after: number; bytesPerHost: number }> {
  const events = Array.from({ length: hosts }, (_, h) => event(`compute${h}`, 'vm0', `i${h}`));
  const scheduler = new Scheduler({ url, namespace, concurrency: CONCURRENCY, log, handle: noop, ...PREFETCH_OPTION });
  try {
    await scheduler.start();
    await sleep(1500); // every shard taken, its token in place
    const before = measure();
    const producer = await Producer.connect({ url, namespace });
    await producer.publish(events);
    await producer.close();
    await until(() => scheduler.stats().done >= hosts);
    const after = measure();
    return { before, after, bytesPerHost: (after - before) / hosts };
  } finally {
    await scheduler.stop();
  }
}

/** Deletes every queue and exchange of a namespace, so that the next measurement starts from the same broker. */
export async function dropNamespace(broker: Broker, namespace: string): Promise<void> {
  const connection = await connect(broker.url);
  try {
    const channel = await connection.createChannel();
    for (const queue of brokerQueues(broker, `${namespace}.`)) await channel.deleteQueue(queue);
    for (const exchange of ['events', 'dead', 'retry']) await channel.deleteExchange(`${namespace}.${exchange}`);
    await channel.close();
  } finally {
    await connection.close();
  }
  // A deleted quorum queue is cleaned up after its delete returns: the next measurement waits for that work to end.
  await brokerSettled(broker);
}

/** One event of each of `hosts - 2` hosts (the others being a noisy and a quiet one). */
export function backgroundEvents(hosts: number): FairEvent[] {
  return Array.from({ length: Math.max(0, hosts - 2) }, (_, h) => event(`host${h}`, 'vm0', `b${h}`));
}

export function event(host: string, vm: string, id: string, payload?: unknown): FairEvent {
  return { id, host, vm, policy: 'policy0', action: 'heal', ...(payload === undefined ? {} : { payload }) };
}

/** A host named `<prefix><n>` whose shard is (or, with `same: false`, is not) the shard of `host`. */
export function hostInShardOf(host: string, prefix: string, same: boolean): string {
  for (let n = 0; ; n++) if ((shardOf(`${prefix}${n}`) === shardOf(host)) === same) return `${prefix}${n}`;
}

export interface QuietWaits {
  /** Waits of the quiet events, publish to the start of their action, ms, in order of start. */
  readonly waits: number[];
  /** Noisy events done when the last quiet one started. */
  readonly noisyDoneBefore: number;
  /** Events moved out of their shard into their host's backlog queue by then (rxjs-fair). */
  readonly moved?: number;
}

/**
 * A quiet host's events behind a noisy host's backlog, among `hosts` hosts: one event of each of `hosts - 2` hosts
 * published, then `noisy` events of one host (or spread over `noisyHosts` hosts of its shard), and a scheduler (1 ms
 * handler) started on them; once it has done 100 of the noisy ones, `quiet` events of another host are published,
 * one by one as the Producer's publish reads them, each stamped with its publish time; its wait ends when its action
 * starts.
 */
export async function quietWait(
  url: string,
  namespace: string,
  { hosts, noisy, quiet, noisyHosts = 1 }: { hosts: number; noisy: number; quiet: number; noisyHosts?: number },
  sameShard: boolean,
): Promise<QuietWaits> {
  const noisyHost = 'noisy0';
  const quietHost = hostInShardOf(noisyHost, 'quiet', sameShard);
  const noisySet = new Set([noisyHost]);
  for (let n = 1; noisySet.size < noisyHosts; n++)
    if (shardOf(`noisy${n}`) === shardOf(noisyHost)) noisySet.add(`noisy${n}`);
  const noisyList = [...noisySet];
  await produce(url, namespace, [
    ...backgroundEvents(hosts),
    ...Array.from({ length: noisy }, (_, i) => event(noisyList[i % noisyList.length] as string, `vm${i % 2}`, `n${i}`)),
  ]);
  const waits: number[] = [];
  let noisyDone = 0;
  let noisyDoneBefore = 0;
  let moved = 0;
  const scheduler: Scheduler = new Scheduler({
    url,
    namespace,
    concurrency: CONCURRENCY,
    log,
    ...PREFETCH_OPTION,
    handle: async (e) => {
      if (e.host === quietHost) {
        waits.push(Date.now() - (e.payload as { sentAt: number }).sentAt);
        noisyDoneBefore = noisyDone;
        moved = scheduler.stats().moved;
      }
      await sleep(1);
      if (noisySet.has(e.host)) noisyDone++;
    },
  });
  try {
    await scheduler.start();
    await until(() => noisyDone >= 100, 1);
    const producer = await Producer.connect({ url, namespace });
    await producer.publish(
      (function* () {
        for (let i = 0; i < quiet; i++) yield event(quietHost, 'vm0', `q${i}`, { sentAt: Date.now() });
      })(),
    );
    await producer.close();
    await until(() => waits.length >= quiet, 1);
    return { waits, noisyDoneBefore, moved };
  } finally {
    await scheduler.stop();
  }
}
