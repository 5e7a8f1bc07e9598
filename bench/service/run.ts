/**
 * `npm run bench:service`: the service at 100 to 10,000 hosts, against amqplib alone, and side by side with BullMQ,
 * in one run on a private RabbitMQ and Redis. Writes bench/service/results.json and the service's section of
 * BENCHMARKS.md (`--no-write`: neither). What each figure is: bench/service/report.mjs, and the section itself.
 *
 * Sizes: BENCH_HOSTS (100,1000,10000), BENCH_EVENTS (50000), BENCH_ROUNDS (3: the pairs against amqplib alone),
 * BENCH_NOISY (100000), BENCH_QUIET (20), BENCH_QUIET_HOSTS (10000: hosts of the quiet wait, one event each but two),
 * BENCH_PREFETCH (the schedulers' `prefetch`; their default otherwise).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateEvents } from '@rxjs-fair/service';
import { publishAlone, drainAlone, drainAloneInRuns, drainFloor } from './amqplibAlone.js';
import { bullQuietWait, bullThroughput } from './bullmq.js';
import {
  brokerLiveMemory,
  brokerMemory,
  brokerVersion,
  redisVersion,
  startBroker,
  startRedis,
  stopBroker,
  stopRedis,
  withBrokerCpu,
  type Broker,
  type Redis,
} from './infra.js';
import {
  declare,
  drain,
  dropNamespace,
  freshNamespace,
  idleHosts,
  noop,
  oneMs,
  produce,
  quietWait,
  SHARD_PREFETCH,
  sleep,
  warnings,
} from './rxjsFair.js';
// @ts-expect-error: a plain ES module without declarations (bench/report.mjs may render it too)
import { writeSection } from './report.mjs';

const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
const list = (value: string | undefined, fallback: number[]): number[] =>
  value === undefined ? fallback : value.split(',').map(Number);
const HOSTS = list(process.env.BENCH_HOSTS, [100, 1000, 10_000]);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NOISY = Number(process.env.BENCH_NOISY ?? 100_000);
const QUIET = Number(process.env.BENCH_QUIET ?? 20);
const QUIET_HOSTS = Number(process.env.BENCH_QUIET_HOSTS ?? 10_000);
const WRITE = !process.argv.includes('--no-write');

const say = (line: string): void => void process.stderr.write(`bench:service: ${line}\n`);
const round = (n: number): number => Math.round(n);
const loads: number[] = [];

async function scaleRow(broker: Broker, hosts: number) {
  const events = [...generateEvents({ hosts, vms: 2, policies: 2, events: EVENTS })];
  const idleNamespace = freshNamespace(`idle${hosts}`);
  const idle = await idleHosts(broker.url, idleNamespace, hosts, () => brokerLiveMemory(broker));
  await dropNamespace(broker, idleNamespace);
  say(`${hosts} hosts: idle ${round(idle.bytesPerHost)} B/host`);
  const namespace = freshNamespace(`scale${hosts}`);
  const produceRate = await produce(broker.url, namespace, events);
  const memoryAfterProduce = brokerMemory(broker);
  const served = await drain(broker.url, namespace, EVENTS, oneMs, { stats: true });
  say(
    `${hosts} hosts: produce ${round(produceRate)}/s, ready ${round(served.readyMs)} ms, drain ${round(served.eventsPerSecond)}/s`,
  );
  await dropNamespace(broker, namespace);
  return { hosts, idle, produce: produceRate, memoryAfterProduce, ...served };
}

/**
 * Producer against amqplib's publish; Scheduler (no-op) against amqplib's consume + ack and against the floor (the
 * same plus the work the scheduler cannot skip: parse and check each event, record the ids done): in turn, each with
 * the broker's CPU time per event beside the client's.
 */
async function alonePair(broker: Broker, hosts: number) {
  const events = [...generateEvents({ hosts, vms: 2, policies: 2, events: EVENTS })];
  const withBroker = <D extends object>(drain: () => Promise<D>) => withBrokerCpu(broker, EVENTS, drain);
  const plain = freshNamespace(`plain${hosts}`);
  await declare(broker.url, plain);
  const publish = await publishAlone(broker.url, plain, events);
  const consume = await withBroker(() => drainAlone(broker.url, plain, EVENTS, SHARD_PREFETCH));
  await dropNamespace(broker, plain);
  const runsNs = freshNamespace(`runs${hosts}`);
  await produce(broker.url, runsNs, events);
  const runs = await withBroker(() => drainAloneInRuns(broker.url, runsNs, EVENTS, SHARD_PREFETCH));
  await dropNamespace(broker, runsNs);
  const floorNs = freshNamespace(`floor${hosts}`);
  await produce(broker.url, floorNs, events);
  const floor = await withBroker(() => drainFloor(broker.url, floorNs, EVENTS, SHARD_PREFETCH, noop));
  await dropNamespace(broker, floorNs);
  const fair = freshNamespace(`fair${hosts}`);
  const producer = await produce(broker.url, fair, events);
  const scheduler = await withBroker(() => drain(broker.url, fair, EVENTS, noop));
  await dropNamespace(broker, fair);
  const undeduped = freshNamespace(`nodedupe${hosts}`);
  await produce(broker.url, undeduped, events);
  const schedulerNoDedupe = await drain(broker.url, undeduped, EVENTS, noop, { dedupeWindow: 0 });
  await dropNamespace(broker, undeduped);
  say(
    `${hosts} hosts alone: publish ${round(publish)} vs Producer ${round(producer)}; consume ${round(consume.eventsPerSecond)} ` +
      `(acks in runs ${round(runs.eventsPerSecond)}), ` +
      `floor ${round(floor.eventsPerSecond)} vs Scheduler ${round(scheduler.eventsPerSecond)} (no dedupe ${round(schedulerNoDedupe.eventsPerSecond)})`,
  );
  return {
    hosts,
    amqplibPublish: publish,
    producer,
    amqplibConsume: consume.eventsPerSecond,
    amqplibConsumeCpu: consume.cpuMicrosPerEvent,
    amqplibConsumeBrokerCpu: consume.brokerCpu,
    amqplibRuns: runs.eventsPerSecond,
    amqplibRunsCpu: runs.cpuMicrosPerEvent,
    amqplibRunsBrokerCpu: runs.brokerCpu,
    floor: floor.eventsPerSecond,
    floorCpu: floor.cpuMicrosPerEvent,
    floorBrokerCpu: floor.brokerCpu,
    scheduler: scheduler.eventsPerSecond,
    schedulerCpu: scheduler.cpuMicrosPerEvent,
    schedulerBrokerCpu: scheduler.brokerCpu,
    schedulerMoved: scheduler.moved,
    schedulerNoDedupe: schedulerNoDedupe.eventsPerSecond,
  };
}

async function sideBySide(broker: Broker, redis: Redis) {
  const events = [...generateEvents({ hosts: 1000, vms: 2, policies: 2, events: EVENTS })];
  const bull = await bullThroughput(redis.port, events, () => sleep(1));
  const bullNoop = await bullThroughput(redis.port, events, () => undefined);
  say(`BullMQ: add ${round(bull.add)}/s, drain ${round(bull.drain)}/s (no-op ${round(bullNoop.drain)}/s)`);
  const fair = async (sameShard: boolean) => {
    const namespace = freshNamespace(`quiet${sameShard ? 'same' : 'other'}`);
    const result = await quietWait(
      broker.url,
      namespace,
      { hosts: QUIET_HOSTS, noisy: NOISY, quiet: QUIET },
      sameShard,
    );
    await dropNamespace(broker, namespace);
    return result;
  };
  const waits = {
    rxjsFairSameShard: await fair(true),
    rxjsFairOtherShard: await fair(false),
    bullmq: await bullQuietWait(redis.port, { hosts: QUIET_HOSTS, noisy: NOISY, quiet: QUIET }),
  };
  for (const [name, w] of Object.entries(waits)) say(`${name}: quiet waits ${w.waits.map(round).join(' ')}`);
  return { bullmq: { ...bull, drainNoop: bullNoop.drain, addNoop: bullNoop.add }, waits };
}

async function main(): Promise<void> {
  const began = Date.now();
  const sampler = setInterval(() => loads.push(loadavg()[0] as number), 5000);
  say('starting a private RabbitMQ and redis-server');
  const broker = startBroker();
  let redis: Redis | undefined;
  try {
    redis = await startRedis();
    // A warm-up, untimed: the first measurement would otherwise pay for the JIT and the broker's first queues.
    const warmUp = freshNamespace('warmup');
    await produce(broker.url, warmUp, [...generateEvents({ hosts: 100, vms: 2, policies: 2, events: 5000 })]);
    await drain(broker.url, warmUp, 5000, oneMs);
    await dropNamespace(broker, warmUp);
    const scale = [];
    for (const hosts of HOSTS) scale.push(await scaleRow(broker, hosts));
    const alone = [];
    for (let r = 0; r < ROUNDS; r++) for (const hosts of HOSTS) alone.push(await alonePair(broker, hosts));
    const side = await sideBySide(broker, redis);
    const record = {
      date: new Date().toISOString(),
      minutes: (Date.now() - began) / 60_000,
      versions: {
        rabbitmq: brokerVersion(broker),
        redis: redisVersion(),
        amqplib: versionOf('amqplib'),
        bullmq: versionOf('bullmq'),
      },
      machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30 },
      loadAverage: { samples: loads, max: Math.max(...loads), mean: loads.reduce((a, b) => a + b, 0) / loads.length },
      sizes: {
        events: EVENTS,
        hosts: HOSTS,
        vms: 2,
        policies: 2,
        concurrency: 16,
        shardPrefetch: SHARD_PREFETCH,
        rounds: ROUNDS,
        noisy: NOISY,
        quiet: QUIET,
        quietHosts: QUIET_HOSTS,
      },
      scale,
      alone,
      ...side,
      warnings,
    };
    const out = new URL('./results.json', import.meta.url);
    if (WRITE) {
      writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
      writeSection(record, fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)));
      say(`wrote ${fileURLToPath(out)} and BENCHMARKS.md`);
    } else console.log(JSON.stringify(record, null, 2));
  } finally {
    clearInterval(sampler);
    if (redis !== undefined) stopRedis(redis);
    stopBroker(broker);
  }
}

await main();
