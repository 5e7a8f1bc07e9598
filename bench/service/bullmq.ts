// BullMQ side by side: its open-source Queue and Worker on a local Redis, the same events and handlers.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { FairEvent } from '@rxjs-fair/service';
import { backgroundEvents, CONCURRENCY, sleep, until, type QuietWaits } from './rxjsFair.js';

/** Jobs per `addBulk` call. */
const BULK = 1000;

let queues = 0;

function open(port: number): { queue: Queue; name: string; connection: ConnectionOptions } {
  const connection: ConnectionOptions = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `bench${++queues}`;
  // Done jobs are removed, as the broker's acknowledged messages are (BullMQ keeps them all by default).
  return { queue: new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true } }), name, connection };
}

async function add(queue: Queue, events: readonly FairEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += BULK)
    await queue.addBulk(events.slice(i, i + BULK).map((event) => ({ name: event.action, data: event })));
}

/** `addBulk` of the events (jobs/s), then a Worker (concurrency 16, `handle`) drains them (jobs/s from its first). */
export async function bullThroughput(
  port: number,
  events: readonly FairEvent[],
  handle: () => Promise<void> | void,
): Promise<{ add: number; drain: number }> {
  const { queue, name, connection } = open(port);
  let worker: Worker | undefined;
  try {
    const started = performance.now();
    await add(queue, events);
    const addRate = events.length / ((performance.now() - started) / 1000);
    let first = 0;
    let completed = 0;
    worker = new Worker(
      name,
      async () => {
        if (first === 0) first = performance.now();
        await handle();
      },
      { connection, concurrency: CONCURRENCY },
    );
    worker.on('completed', () => completed++);
    await until(() => completed >= events.length);
    return { add: addRate, drain: events.length / ((performance.now() - first) / 1000) };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** The quiet tenant's wait behind a noisy one's backlog, the same steps as rxjs-fair's `quietWait`. */
export async function bullQuietWait(
  port: number,
  { hosts, noisy, quiet }: { hosts: number; noisy: number; quiet: number },
): Promise<QuietWaits> {
  const { queue, name, connection } = open(port);
  let worker: Worker | undefined;
  try {
    await add(queue, [
      ...backgroundEvents(hosts),
      ...Array.from({ length: noisy }, (_, i) => ({
        id: `n${i}`,
        host: 'noisy0',
        vm: `vm${i % 2}`,
        policy: 'policy0',
        action: 'heal',
      })),
    ]);
    const waits: number[] = [];
    let noisyDone = 0;
    let noisyDoneBefore = 0;
    worker = new Worker(
      name,
      async (job) => {
        const e = job.data as FairEvent;
        if (e.host === 'quiet0') {
          waits.push(Date.now() - (e.payload as { sentAt: number }).sentAt);
          noisyDoneBefore = noisyDone;
        }
        await sleep(1);
        if (e.host === 'noisy0') noisyDone++;
      },
      { connection, concurrency: CONCURRENCY },
    );
    await until(() => noisyDone >= 100, 1);
    // One by one, each stamped as it is added (as the Producer publishes them), not waiting for the previous.
    await Promise.all(
      Array.from({ length: quiet }, (_, i) =>
        queue.add('heal', {
          id: `q${i}`,
          host: 'quiet0',
          vm: 'vm0',
          policy: 'policy0',
          action: 'heal',
          payload: { sentAt: Date.now() },
        }),
      ),
    );
    await until(() => waits.length >= quiet, 1);
    return { waits, noisyDoneBefore };
  } finally {
    await worker?.close(true);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
