/**
 * The quiet-wait case of `bench:service` with the noisy backlog split over several hosts of the quiet host's shard:
 * how long a quiet host's events wait, and how much of the backlog ran or was moved first. Each noisy host holds at
 * most `--prefetch` events in memory; when several hosts share the shard's read-ahead, none may reach that, and
 * nothing is moved out of the way.
 *
 *   RXJS_FAIR_AMQP_URL=amqp://... RXJS_FAIR_BROKER_DIR=/tmp/rxjs-fair-broker.X node --import tsx \
 *     bench/service/quietBehindHosts.ts
 *
 * BENCH_NOISY_HOSTS (comma-separated counts, 1,2,4,8), BENCH_NOISY (events in all, 40000), BENCH_QUIET (5).
 */
import { Producer, Scheduler, shardOf } from '@rxjs-fair/service';
import {
  backgroundEvents,
  CONCURRENCY,
  dropNamespace,
  event,
  freshNamespace,
  produce,
  sleep,
  until,
} from './rxjsFair.js';

const url = process.env.RXJS_FAIR_AMQP_URL;
const dir = process.env.RXJS_FAIR_BROKER_DIR;
if (url === undefined || dir === undefined) throw new Error('Expected RXJS_FAIR_AMQP_URL and RXJS_FAIR_BROKER_DIR');
const COUNTS = (process.env.BENCH_NOISY_HOSTS ?? '1,2,4,8').split(',').map(Number);
const NOISY = Number(process.env.BENCH_NOISY ?? 40_000);
const QUIET = Number(process.env.BENCH_QUIET ?? 5);
const quietHost = 'quiet0';

for (const count of COUNTS) {
  const noisyHosts: string[] = [];
  for (let i = 0; noisyHosts.length < count; i++)
    if (shardOf(`noisy${i}`) === shardOf(quietHost)) noisyHosts.push(`noisy${i}`);
  const noisy = new Set(noisyHosts);
  const namespace = freshNamespace('quietbehind');
  await produce(url, namespace, [
    ...backgroundEvents(1000),
    ...Array.from({ length: NOISY }, (_, i) => event(noisyHosts[i % count] as string, `vm${i % 2}`, `n${i}`)),
  ]);
  const waits: number[] = [];
  let noisyDone = 0;
  let noisyBefore = 0;
  const scheduler: Scheduler = new Scheduler({
    url,
    namespace,
    concurrency: CONCURRENCY,
    handle: async (e) => {
      if (e.host === quietHost) {
        waits.push(Date.now() - (e.payload as { sentAt: number }).sentAt);
        noisyBefore = noisyDone;
      }
      await sleep(1);
      if (noisy.has(e.host)) noisyDone++;
    },
  });
  try {
    await scheduler.start();
    await until(() => noisyDone >= 100, 1);
    const producer = await Producer.connect({ url, namespace });
    await producer.publish(
      Array.from({ length: QUIET }, (_, i) => event(quietHost, 'vm0', `q${i}`, { sentAt: Date.now() })),
    );
    await producer.close();
    await until(() => waits.length >= QUIET, 5);
    console.log(
      `${count} noisy host(s), ${NOISY} events queued first in the quiet host's shard: the quiet host waited ` +
        `${Math.min(...waits)} to ${Math.max(...waits)} ms; ${noisyBefore} noisy events ran first; ${scheduler.stats().moved} moved`,
    );
  } finally {
    await scheduler.stop();
    await dropNamespace({ url, dir }, namespace);
  }
}
