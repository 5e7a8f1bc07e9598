import { afterEach, describe, expect, it } from 'vitest';
import { headers, hostKey, Producer, Scheduler, topology } from '../../src/index.js';
import { amqpUrl, drainQueue, event, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

describe.skipIf(amqpUrl === '')('dead letters (real broker)', () => {
  it('dead-letters malformed messages with the reason in a header and keeps going', async () => {
    const namespace = uniqueNamespace('dlq');
    const t = topology({ namespace });
    const done: string[] = [];
    const scheduler = new Scheduler({ url: amqpUrl, namespace, concurrency: 4, handle: (e) => void done.push(e.id) });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    await producer.publish([event('before')]);
    await waitFor('the first event', () => done.includes('before'));

    // Straight into the host's queue, past the producer's checks.
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const bad: [string, string][] = [
      ['not json', 'malformed: (body): malformed JSON'],
      [JSON.stringify({ id: 'x1', host: 'h1', vm: 'vm1', action: 'heal' }), 'malformed: policy: is required'],
      [JSON.stringify({ ...event('x2'), vm: 42 }), 'malformed: vm: must be string'],
      [JSON.stringify([1, 2]), 'malformed: (body): must be object'],
      [JSON.stringify(event('x3', { host: 'h2' })), 'misrouted: the event names host "h2"'],
    ];
    for (const [body] of bad) channel.publish(t.events, hostKey('h1'), Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
    await producer.publish([event('after')]);

    await waitFor('the event after the bad ones', () => done.includes('after'));
    await waitFor(
      '5 dead letters',
      () => scheduler.stats().malformed === 5,
      10_000,
      () => scheduler.stats(),
    );
    const dead = await drainQueue(connection, t.dead);
    expect(dead).toHaveLength(5);
    const reasons = dead.map((m) => String(m.properties.headers?.[headers.reason]));
    for (const [body, reason] of bad) {
      const message = dead.find((m) => m.content.toString() === body);
      expect(message, `dead letter of ${body}`).toBeDefined();
      expect(String(message?.properties.headers?.[headers.reason])).toContain(reason);
    }
    expect(reasons.every((r) => r.length > 0)).toBe(true);
    expect(done).toEqual(['before', 'after']);
    expect(scheduler.consuming).toBe(true);
  });

  it('retries a failing action with backoff, then dead-letters it with the attempts and the reason', async () => {
    const namespace = uniqueNamespace('retry');
    const t = topology({ namespace, maxAttempts: 3, retryDelay: 50 });
    const attempts = new Map<string, number[]>();
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      maxAttempts: 3,
      retryDelay: 50,
      concurrency: 2,
      handle: async (e) => {
        const times = attempts.get(e.id) ?? [];
        times.push(Date.now());
        attempts.set(e.id, times);
        if (e.action === 'always-fails') throw new Error('the cloud said no');
        if (e.action === 'fails-once' && times.length === 1) throw new Error('try again');
      },
    });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    const producer = await Producer.connect({ url: amqpUrl, namespace, maxAttempts: 3, retryDelay: 50 });
    cleanup.push(() => producer.close());
    await producer.publish([
      event('bad', { action: 'always-fails' }),
      event('flaky', { action: 'fails-once' }),
      event('good'),
    ]);

    await waitFor(
      'the failing event to be dead-lettered',
      () => scheduler.stats().failed === 1,
      20_000,
      () => scheduler.stats(),
    );
    await waitFor(
      'the flaky event to succeed',
      () => scheduler.stats().done === 2,
      10_000,
      () => scheduler.stats(),
    );
    expect(attempts.get('bad')).toHaveLength(3);
    expect(attempts.get('flaky')).toHaveLength(2);
    expect(attempts.get('good')).toHaveLength(1);
    const [first, second, third] = attempts.get('bad') as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(45); // backoff 50 ms, then 100 ms
    expect(third - second).toBeGreaterThanOrEqual(95);
    expect(scheduler.stats().retried).toBe(3);

    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const dead = await drainQueue(connection, t.dead);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.content.toString()).id).toBe('bad');
    expect(dead[0]!.properties.headers?.[headers.reason]).toBe('action failed 3 times: the cloud said no');
    expect(dead[0]!.properties.headers?.[headers.attempts]).toBe(3);
  });
});
