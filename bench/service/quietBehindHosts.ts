/**
 * The quiet-wait case of `bench:service` (the quiet host in the noisy backlog's shard) with the backlog spread over
 * several hosts of that shard: how long the quiet host's events wait, and how much of the backlog ran or was moved
 * first. A host holds at most `--prefetch` events of its shard in memory before the rest are moved out of the way;
 * when several hosts share the shard's read-ahead, none may reach that, and nothing is moved.
 *
 *   RXJS_FAIR_AMQP_URL=amqp://... RXJS_FAIR_BROKER_DIR=/tmp/rxjs-fair-broker.X node --import tsx \
 *     bench/service/quietBehindHosts.ts
 *
 * BENCH_NOISY_HOSTS (comma-separated counts, 1,2,4,8), BENCH_NOISY (events in all, 40000), BENCH_QUIET (5).
 */
import { dropNamespace, freshNamespace, quietWait } from './rxjsFair.js';

const url = process.env.RXJS_FAIR_AMQP_URL;
const dir = process.env.RXJS_FAIR_BROKER_DIR;
if (url === undefined || dir === undefined) throw new Error('Expected RXJS_FAIR_AMQP_URL and RXJS_FAIR_BROKER_DIR');
const COUNTS = (process.env.BENCH_NOISY_HOSTS ?? '1,2,4,8').split(',').map(Number);
const noisy = Number(process.env.BENCH_NOISY ?? 40_000);
const quiet = Number(process.env.BENCH_QUIET ?? 5);

for (const noisyHosts of COUNTS) {
  const namespace = freshNamespace('quietbehind');
  try {
    const { waits, noisyDoneBefore, moved } = await quietWait(
      url,
      namespace,
      { hosts: 1000, noisy, quiet, noisyHosts },
      true,
    );
    console.log(
      `${noisyHosts} noisy host(s), ${noisy} events queued first in the quiet host's shard: the quiet host waited ` +
        `${Math.min(...waits)} to ${Math.max(...waits)} ms; ${noisyDoneBefore} noisy events ran first; ${moved} moved`,
    );
  } finally {
    await dropNamespace({ url, dir }, namespace);
  }
}
