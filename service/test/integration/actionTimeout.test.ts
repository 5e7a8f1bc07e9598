import { afterEach, describe, expect, it } from 'vitest';
import {
  ActionTimeoutError,
  headers,
  Producer,
  Scheduler,
  shardOf,
  shardQueue,
  topology,
  type FairEvent,
} from '../../src/index.js';
import { amqpUrl, drainQueue, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const event = (id: string, vm = 'vm1'): FairEvent => ({ id, host: 'h1', vm, policy: 'heal', action: 'heal' });

describe.skipIf(amqpUrl === '')('action timeout (real broker)', () => {
  it('fails an action that outlives it, frees its slot, tells the handler, and dead-letters it with the reason', async () => {
    const namespace = uniqueNamespace('timeout');
    const t = topology({ namespace, maxAttempts: 2, retryDelay: 20 });
    const reasons: unknown[] = [];
    const done: string[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      maxAttempts: 2,
      retryDelay: 20,
      concurrency: 1,
      actionTimeout: 300,
      // 'hang' never settles on its own; it only notes why its signal fired.
      handle: (e, { signal }) => {
        if (e.id !== 'hang') return void done.push(e.id);
        signal.addEventListener('abort', () => reasons.push(signal.reason));
        return new Promise(() => {});
      },
    });
    cleanup.push(() => scheduler.stop(1000));
    await scheduler.start();
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    // One slot: the events behind the hung one run only because its timeout frees the slot.
    await producer.publish([event('hang'), event('a', 'vm2'), event('b', 'vm3')]);

    await waitFor(
      'the hung event dead-lettered after two timed-out attempts',
      () => scheduler.stats().failed === 1,
      15_000,
      () => scheduler.stats(),
    );
    expect(done).toEqual(expect.arrayContaining(['a', 'b']));
    expect(scheduler.stats()).toMatchObject({ timedOut: 2, retried: 1, failed: 1, done: 2, active: 0 });
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) expect(reason).toBeInstanceOf(ActionTimeoutError);

    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const dead = await drainQueue(connection, t.dead);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.content.toString() ?? '{}')).toMatchObject({ id: 'hang' });
    expect(String(dead[0]?.properties.headers?.[headers.reason])).toBe('action failed 2 times: timed out after 300 ms');
  });

  it('on stop, lets running actions finish for the shutdown timeout, then aborts their signals and requeues their events', async () => {
    const namespace = uniqueNamespace('stopsignal');
    let reason: unknown;
    let started = false;
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 1,
      handle: (_e, { signal }) => {
        started = true;
        return new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason as Error);
          }),
        );
      },
    });
    cleanup.push(() => scheduler.stop(0));
    await scheduler.start();
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    await producer.publish([event('long')]);
    await waitFor('the action to start', () => started);

    const stopping = scheduler.stop(300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reason).toBeUndefined(); // still within the shutdown timeout
    await stopping;
    expect((reason as Error).message).toBe('the scheduler is stopping');
    expect(scheduler.stats()).toMatchObject({ done: 0, retried: 0, failed: 0 }); // interrupted is not failed

    // Not acknowledged: the event is back in its shard for the next scheduler (with the shard's token).
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const back = await drainQueue(connection, shardQueue(topology({ namespace }), shardOf('h1')));
    const events = back.filter((m) => m.properties.headers?.[headers.token] === undefined);
    expect(events.map((m) => (JSON.parse(m.content.toString()) as FairEvent).id)).toEqual(['long']);
  });
});
