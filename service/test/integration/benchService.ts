/**
 * `npm run bench:service`: events/s through RabbitMQ, the scheduler service against amqplib alone.
 *
 * Both consume the same backlog (N persistent events over H host queues, published beforehand with confirms)
 * with the same prefetch per queue and acknowledge every message: amqplib alone acks each message as it arrives;
 * the scheduler parses and checks it, queues it in the fair tree, dispatches it with fairMergeMap to a no-op
 * handler and acks it once that resolved. Each is timed from its first message on (connecting and the scheduler's
 * start-up, about 0.1 s once per process, are left out). Rounds alternate between the two; the table shows the median.
 *
 * Starts its own broker (service/test/integration/broker.sh) unless RXJS_FAIR_AMQP_URL is set.
 * Sizes: BENCH_EVENTS (default 100000), BENCH_HOSTS (10), BENCH_PREFETCH (16), BENCH_CONCURRENCY (64), BENCH_ROUNDS (3).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { generateEvents, hostQueue, Producer, Scheduler, topology } from '../../src/index.js';
// @ts-expect-error: a plain ES module without declarations
import { renderServiceTable } from '../../../bench/report.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 10);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 16);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const script = fileURLToPath(new URL('./broker.sh', import.meta.url));

async function publish(url: string, namespace: string): Promise<number> {
  const producer = await Producer.connect({ url, namespace });
  const started = performance.now();
  await producer.publish(generateEvents({ hosts: HOSTS, vms: 4, policies: 3, events: EVENTS }));
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return EVENTS / seconds;
}

/** amqplib alone: consume every host queue with the prefetch, ack each message on arrival. */
async function plain(url: string, namespace: string): Promise<number> {
  const t = topology({ namespace });
  const connection = await connect(url);
  const channel = await connection.createChannel();
  await channel.prefetch(PREFETCH);
  const started = performance.now(); // from the first consume on, as for the scheduler
  let acked = 0;
  const done = new Promise<void>((resolve) => {
    const onMessage = (message: import('amqplib').ConsumeMessage | null) => {
      if (message === null) return;
      channel.ack(message);
      if (++acked === EVENTS) resolve();
    };
    for (let h = 0; h < HOSTS; h++) void channel.consume(hostQueue(t, `compute${h}`), onMessage);
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  await channel.close();
  await connection.close();
  return EVENTS / seconds;
}

/** The scheduler service with a no-op handler. */
async function scheduled(url: string, namespace: string): Promise<number> {
  let started = 0;
  let first = true;
  const scheduler = new Scheduler({
    url,
    namespace,
    concurrency: CONCURRENCY,
    prefetch: PREFETCH,
    handle: () => {
      if (first) {
        // From its first action on: start() connects, declares and reads the control stream first (about 0.1 s,
        // once per process), which is set-up, not throughput.
        first = false;
        started = performance.now();
      }
    },
  });
  await scheduler.start();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (scheduler.stats().done >= EVENTS) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  const seconds = (performance.now() - started) / 1000;
  await scheduler.stop();
  return EVENTS / seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main(): Promise<void> {
  let url = process.env.RXJS_FAIR_AMQP_URL ?? '';
  let dir = '';
  if (url === '') {
    process.stderr.write('bench:service: starting a private RabbitMQ (service/test/integration/broker.sh)\n');
    [dir = '', url = ''] = execFileSync('bash', [script, 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n');
  }
  try {
    const results = { publish: [] as number[], plain: [] as number[], scheduler: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of ['plain', 'scheduler'] as const) {
        const namespace = `bench.${kind}.${Date.now()}`;
        results.publish.push(await publish(url, namespace));
        const rate = kind === 'plain' ? await plain(url, namespace) : await scheduled(url, namespace);
        results[kind].push(rate);
        process.stderr.write(`round ${round}: ${kind} ${Math.round(rate)} events/s\n`);
      }
    }
    const record = {
      date: new Date().toISOString(),
      node: process.version,
      events: EVENTS,
      hosts: HOSTS,
      prefetch: PREFETCH,
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      medians: { plain: median(results.plain), scheduler: median(results.scheduler), publish: median(results.publish) },
      results,
    };
    // Kept beside the library's results; bench/report.mjs renders it as a section of BENCHMARKS.md.
    writeFileSync(
      new URL('../../../bench/service-results.json', import.meta.url),
      `${JSON.stringify(record, null, 2)}\n`,
    );
    execFileSync('node', [fileURLToPath(new URL('../../../bench/report.mjs', import.meta.url))], { stdio: 'inherit' });
    console.log(renderServiceTable(record).join('\n'));
  } finally {
    if (dir !== '') execFileSync('bash', [script, 'stop', dir], { stdio: 'inherit' });
  }
}

await main();
