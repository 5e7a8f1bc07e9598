/**
 * The Scheduler's own cost per event against amqplib's consume + ack, on a running broker, without the rest of
 * `bench:service`: what an A/B of the scheduler's hot path needs. Each round: amqplib consume + ack, the same
 * acknowledging each turn's messages in one frame, the floor (the same plus what the scheduler cannot skip: parse and
 * check each event, record the ids done), the Scheduler (no-op handler) with dedupe, and without; figures per round
 * and the ratios to amqplib of the same round; and the Producer's publish against amqplib's (the same events, as
 * bench:service's pairs).
 *
 *   RXJS_FAIR_AMQP_URL=amqp://... RXJS_FAIR_BROKER_DIR=/tmp/rxjs-fair-broker.X node --expose-gc --import tsx \
 *     bench/service/alone.ts
 *
 * BENCH_HOSTS (1000), BENCH_EVENTS (50000), BENCH_ROUNDS (3), BENCH_PREFETCH (the scheduler's, 16), BENCH_ONLY (`dedupe`, `nodedupe`: that Scheduler
 * alone), BENCH_PROFILE (a file: a CPU profile of the Scheduler's timed drains only, for Chrome DevTools or speedscope).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Socket } from 'node:net';
import { generateEvents } from '@rxjs-fair/service';
import { drainAlone, drainAloneInRuns, drainFloor, publishAlone } from './amqplibAlone.js';
import { withBrokerCpu } from './infra.js';
import { declare, drain, dropNamespace, freshNamespace, noop, produce, SHARD_PREFETCH } from './rxjsFair.js';

const url = process.env.RXJS_FAIR_AMQP_URL;
const dir = process.env.RXJS_FAIR_BROKER_DIR;
if (url === undefined || dir === undefined) throw new Error('Expected RXJS_FAIR_AMQP_URL and RXJS_FAIR_BROKER_DIR');
const broker = { url, dir };
const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY;
const PROFILE = process.env.BENCH_PROFILE;
/** BENCH_PROFILE with BENCH_HEAP=1: a sampling profile of what the drains allocate (collected objects included). */
const HEAP = process.env.BENCH_HEAP !== undefined;
const inspector = PROFILE === undefined ? undefined : new Session();
if (inspector !== undefined) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
}
let warm = false;
/** With BENCH_COUNT_WRITES: socket writes (syscalls, more or less) per event, by kind. */
const writes = { write: 0, writev: 0 };
if (process.env.BENCH_COUNT_WRITES !== undefined) {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const { _write, _writev } = proto;
  proto._write = function (this: unknown, ...args: unknown[]) {
    writes.write++;
    return _write.apply(this, args);
  };
  proto._writev = function (this: unknown, ...args: unknown[]) {
    writes.writev++;
    return _writev.apply(this, args);
  };
}
const perEvent = (): string => {
  const line = `writes/event ${(writes.write / EVENTS).toFixed(2)}, writev/event ${(writes.writev / EVENTS).toFixed(2)}`;
  writes.write = writes.writev = 0;
  return line;
};

const events = [...generateEvents({ hosts: HOSTS, vms: 2, policies: 2, events: EVENTS })];
const round = (n: number): string => String(Math.round(n));
const withBroker = <D extends object>(drain: () => Promise<D>) => withBrokerCpu(broker, EVENTS, drain);
const brokerLine = (d: { brokerCpu: number }): string => `broker ${d.brokerCpu.toFixed(1)} µs`;
const pct = (n: number): string => `${Math.round(n * 100)} %`;

let producer = 0;
async function scheduler(dedupe: boolean) {
  const namespace = freshNamespace(dedupe ? 'fair' : 'nodedupe');
  producer = await produce(url as string, namespace, events);
  if (warm && HEAP) {
    await inspector?.post('HeapProfiler.enable');
    await inspector?.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  } else if (warm) await inspector?.post('Profiler.start');
  perEvent();
  const result = await withBroker(() =>
    drain(url as string, namespace, EVENTS, noop, dedupe ? {} : { dedupeWindow: 0 }),
  );
  const counted = perEvent();
  if (warm && inspector !== undefined) {
    const { profile } = HEAP
      ? await inspector.post('HeapProfiler.stopSampling')
      : await inspector.post('Profiler.stop');
    writeFileSync(PROFILE as string, JSON.stringify(profile)); // the last drain's
  }
  await dropNamespace(broker, namespace);
  return { ...result, writes: counted, broker: brokerLine(result) };
}

// Untimed warm-up: the JIT and the broker's first queues.
await scheduler(true);
warm = true;
for (let r = 0; r < ROUNDS; r++) {
  if (ONLY !== undefined) {
    const s = await scheduler(ONLY === 'dedupe');
    console.log(
      `round ${r}: Scheduler ${ONLY} ${round(s.eventsPerSecond)}/s ${s.cpuMicrosPerEvent.toFixed(1)} µs, ${s.broker}; ${s.writes}`,
    );
    continue;
  }
  const plain = freshNamespace('plain');
  await declare(url, plain);
  const publish = await publishAlone(url, plain, events);
  perEvent();
  const consume = await withBroker(() => drainAlone(url, plain, EVENTS, SHARD_PREFETCH));
  const consumeWrites = perEvent();
  await dropNamespace(broker, plain);
  const runsNs = freshNamespace('runs');
  await produce(url, runsNs, events);
  const runs = await withBroker(() => drainAloneInRuns(url, runsNs, EVENTS, SHARD_PREFETCH));
  await dropNamespace(broker, runsNs);
  const floorNs = freshNamespace('floor');
  await produce(url, floorNs, events);
  const floor = await withBroker(() => drainFloor(url, floorNs, EVENTS, SHARD_PREFETCH, noop));
  await dropNamespace(broker, floorNs);
  const on = await scheduler(true);
  const publishRatio = `publish: amqplib ${round(publish)}/s, Producer ${round(producer)}/s (${pct(producer / publish)})`;
  const off = await scheduler(false);
  console.log(
    `round ${r}: amqplib ${round(consume.eventsPerSecond)}/s ${consume.cpuMicrosPerEvent.toFixed(1)} µs | ` +
      `Scheduler ${round(on.eventsPerSecond)}/s ${on.cpuMicrosPerEvent.toFixed(1)} µs (${pct(on.eventsPerSecond / consume.eventsPerSecond)}), ${on.moved} moved | ` +
      `dedupe off ${round(off.eventsPerSecond)}/s ${off.cpuMicrosPerEvent.toFixed(1)} µs (${pct(off.eventsPerSecond / consume.eventsPerSecond)}), ${off.moved} moved`,
  );
  console.log(
    `  floor (amqplib + parse + done record) ${round(floor.eventsPerSecond)}/s ${floor.cpuMicrosPerEvent.toFixed(1)} µs, ` +
      `${brokerLine(floor)}: Scheduler / floor ${pct(on.eventsPerSecond / floor.eventsPerSecond)}`,
  );
  console.log(
    `  amqplib acknowledging a turn's messages in one frame ${round(runs.eventsPerSecond)}/s ` +
      `${runs.cpuMicrosPerEvent.toFixed(1)} µs, ${brokerLine(runs)}`,
  );
  console.log(`  ${publishRatio}`);
  console.log(
    `  CPU per event of the broker: amqplib ${brokerLine(consume)}; Scheduler ${on.broker}; dedupe off ${off.broker}`,
  );
  if (process.env.BENCH_COUNT_WRITES !== undefined)
    console.log(`  amqplib ${consumeWrites}; Scheduler ${on.writes}; dedupe off ${off.writes}`);
}
