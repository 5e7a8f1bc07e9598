// The settlement of a message without a broker: the header rules of what a retry, a dead letter or a park
// publishes, and the settling itself against a recording channel.
import type { ConsumeMessage, MessageProperties } from 'amqplib';
import { describe, expect, it } from 'vitest';
import type { Settles } from '../src/Acknowledger.js';
import type { Delivery } from '../src/Delivery.js';
import { ParkedQueues } from '../src/ParkedQueues.js';
import { HostQueues } from '../src/HostQueues.js';
import type { Session } from '../src/BrokerConnection.js';
import {
  afterFailure,
  attemptsBefore,
  copiedProperties,
  deadLetterOf,
  Settlement,
  type SettlementCounts,
} from '../src/Settlement.js';
import { ActionTimeoutError } from '../src/runAction.js';
import { headers, hostKey, hostQueue, isHostQueue, parkedQueue, topology } from '../src/topology.js';

const t = topology({ namespace: 'test', maxAttempts: 3, retryDelay: 100 }); // retries after 100 ms, then 200 ms

const message = (properties: Partial<MessageProperties> = {}, content = '{}'): ConsumeMessage =>
  ({
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: '', consumerTag: 'c' },
    properties: { headers: {}, ...properties },
  }) as ConsumeMessage;

/** The headers the broker adds when it dead-letters a message (on its way back from a retry queue). */
const death = {
  'x-death': [
    {
      count: 1,
      reason: 'expired' as const,
      queue: 'test.retry.100',
      time: { '!': 'timestamp' as const, value: 0 },
      exchange: 'test.retry',
      'routing-keys': [''],
    },
  ],
  'x-first-death-queue': 'test.retry.100',
  'x-first-death-reason': 'expired',
  'x-first-death-exchange': 'test.retry',
  'x-last-death-queue': 'test.retry.100',
  'x-last-death-reason': 'expired',
  'x-last-death-exchange': 'test.retry',
};

describe('copiedProperties', () => {
  it('keeps the content type, id, timestamp and headers, persistent', () => {
    const m = message({ contentType: 'application/json', messageId: 'e1', timestamp: 42, headers: { a: 1 } });
    expect(copiedProperties(m)).toEqual({
      persistent: true,
      contentType: 'application/json',
      messageId: 'e1',
      timestamp: 42,
      headers: { a: 1 },
    });
  });

  it('leaves out what the message does not have', () => {
    expect(copiedProperties(message({ headers: undefined }))).toEqual({ persistent: true, headers: {} });
  });

  it("drops the broker's death headers, which would pile up with each retry", () => {
    const m = message({ headers: { ...death, [headers.attempts]: 1, mine: 'kept' } });
    expect(copiedProperties(m).headers).toEqual({ [headers.attempts]: 1, mine: 'kept' });
  });

  it('does not copy other properties (priority, expiration, reply-to)', () => {
    const m = message({ priority: 5, expiration: '1000', replyTo: 'q', correlationId: 'x' });
    expect(copiedProperties(m)).toEqual({ persistent: true, headers: {} });
  });
});

describe('attemptsBefore', () => {
  it('counts none without the header, or with one that is not a number', () => {
    expect(attemptsBefore(message())).toBe(0);
    expect(attemptsBefore(message({ headers: { [headers.attempts]: 'many' } }))).toBe(0);
  });

  it('reads the header, a number or a numeric string', () => {
    expect(attemptsBefore(message({ headers: { [headers.attempts]: 2 } }))).toBe(2);
    expect(attemptsBefore(message({ headers: { [headers.attempts]: '1' } }))).toBe(1);
  });
});

describe('afterFailure', () => {
  it('sends a first failure to the retry exchange under its host, to wait for the first delay', () => {
    const m = message({ messageId: 'e1', headers: { mine: 'kept' } });
    expect(afterFailure(t, m, 'compute1', 'test.host.compute1', new Error('no'))).toEqual({
      outcome: 'retried',
      exchange: t.retry,
      routingKey: hostKey('compute1'),
      options: {
        persistent: true,
        messageId: 'e1',
        headers: { mine: 'kept', [headers.attempts]: 1, [headers.delay]: '100' },
      },
    });
  });

  it('counts the attempts in the header and picks the next delay, without the death headers', () => {
    const m = message({ headers: { ...death, [headers.attempts]: 1, [headers.delay]: '100' } });
    const next = afterFailure(t, m, 'h', 'q', new Error('no'));
    expect(next.outcome).toBe('retried');
    expect(next.options.headers).toEqual({ [headers.attempts]: 2, [headers.delay]: '200' });
  });

  it('dead-letters after the last attempt, with the attempts, the reason and the source queue', () => {
    const m = message({ messageId: 'e1', headers: { ...death, [headers.attempts]: 2, [headers.delay]: '200' } });
    expect(afterFailure(t, m, 'h', 'test.host.h', new Error('the cloud said no'))).toEqual({
      outcome: 'failed',
      exchange: t.dead,
      routingKey: '',
      options: {
        persistent: true,
        messageId: 'e1',
        headers: {
          // The last retry's delay header stays: it tells which queue the message waited in last.
          [headers.delay]: '200',
          [headers.attempts]: 3,
          [headers.reason]: 'action failed 3 times: the cloud said no',
          [headers.source]: 'test.host.h',
        },
      },
    });
  });

  it('gives a failure that is no Error as a string', () => {
    const m = message({ headers: { [headers.attempts]: 2 } });
    expect(afterFailure(t, m, 'h', 'q', 'boom').options.headers[headers.reason]).toBe('action failed 3 times: boom');
  });

  it('dead-letters at once with a single attempt', () => {
    const once = topology({ namespace: 'test', maxAttempts: 1 });
    const next = afterFailure(once, message(), 'h', 'q', new Error('no'));
    expect(next.outcome).toBe('failed');
    expect(next.options.headers[headers.attempts]).toBe(1);
  });
});

describe('deadLetterOf', () => {
  it('names the reason and the source, and no attempts for a message that never ran', () => {
    const dead = deadLetterOf(t, message({ headers: death }), 'test.host.h', 'malformed: not JSON');
    expect(dead).toEqual({
      exchange: t.dead,
      routingKey: '',
      options: {
        persistent: true,
        headers: { [headers.reason]: 'malformed: not JSON', [headers.source]: 'test.host.h' },
      },
    });
  });

  it('cuts the reason to 1000 characters', () => {
    const dead = deadLetterOf(t, message(), 'q', 'x'.repeat(5000));
    expect(dead.options.headers[headers.reason]).toHaveLength(1000);
  });
});

/** A session whose channels record what is settled and published; `confirm: false` makes the broker nack. */
function fakeSession(confirm = true) {
  const settled: string[] = [];
  const published: { exchange: string; routingKey: string; headers: Record<string, unknown> }[] = [];
  const publish = (exchange: string, routingKey: string, _content: Buffer, options: { headers?: object } = {}) => {
    if (!confirm) return Promise.reject(new Error('nacked'));
    published.push({ exchange, routingKey, headers: { ...options.headers } });
    return Promise.resolve();
  };
  const session = {
    closed: false,
    consumer: {
      ack: () => settled.push('ack'),
      ackNow: () => settled.push('ack now'),
      nack: (_m: unknown, _all: boolean, requeue: boolean) => settled.push(requeue ? 'requeue' : 'drop'),
    },
    confirm: { assertQueue: () => Promise.resolve({}) },
    publisher: {
      publish,
      sendToQueue: (queue: string, content: Buffer, options: object) => publish('', queue, content, options),
    },
    // The control stream gives back every record appended to it (ControlStream.test.ts: one lost).
    control: {
      append: (_publisher: unknown, message: object) => publish('', t.control, Buffer.from(JSON.stringify(message))),
    },
    declared: new Map(),
  } as unknown as Session;
  return { session, settled, published };
}

const delivery = (session: Session, headersIn: Record<string, unknown> = {}): Delivery => ({
  event: { id: 'e1', host: 'h', vm: 'v', policy: 'p', action: 'a' },
  message: message({ headers: headersIn }),
  queue: 'test.host.h',
  level: 0,
  source: 'shard',
  session,
  channel: session.consumer as unknown as Settles,
  received: 0,
  published: undefined,
  settled: false,
});

function settlement(routine = 0) {
  let changes = 0;
  const logged: string[] = [];
  const parked = new ParkedQueues(t);
  parked.add('h', 'v'); // announced already: parking declares the queue and publishes nothing else
  const s = new Settlement(
    t,
    parked,
    new HostQueues(t, routine),
    (line) => logged.push(line),
    () => changes++,
  );
  return { s, logged, changes: () => changes };
}

const zero: SettlementCounts = {
  done: 0,
  retried: 0,
  failed: 0,
  timedOut: 0,
  malformed: 0,
  parked: 0,
  moved: 0,
  conflated: 0,
  skipped: 0,
};

describe('Settlement', () => {
  it('settles a message once: a second ack or a nack after it does nothing', () => {
    const { s, changes } = settlement();
    const { session, settled } = fakeSession();
    const d = delivery(session);
    s.done(d);
    s.ack(d);
    s.nack(d);
    expect(settled).toEqual(['ack']);
    expect(s.counts).toEqual({ ...zero, done: 1 });
    expect(changes()).toBe(1);
  });

  it('settles nothing on a closed connection: the broker delivers it again', () => {
    const { s } = settlement();
    const { session, settled } = fakeSession();
    (session as { closed: boolean }).closed = true;
    s.nack(delivery(session));
    s.ack(delivery(session));
    expect(settled).toEqual([]);
  });

  it('hands a message back to its queue with a nack that requeues', () => {
    const { s } = settlement();
    const { session, settled } = fakeSession();
    s.nack(delivery(session));
    expect(settled).toEqual(['requeue']);
  });

  it('counts skipped and conflated messages, each acknowledged', () => {
    const { s } = settlement();
    const { session, settled } = fakeSession();
    s.skip(delivery(session));
    s.conflate(delivery(session));
    expect(settled).toEqual(['ack', 'ack']);
    expect(s.counts).toEqual({ ...zero, skipped: 1, conflated: 1 });
  });

  it('retries a failed attempt through the retry exchange, then acknowledges it', async () => {
    const { s } = settlement();
    const { session, settled, published } = fakeSession();
    await s.fail(delivery(session), new Error('no'));
    expect(published).toEqual([
      { exchange: t.retry, routingKey: hostKey('h'), headers: { [headers.attempts]: 1, [headers.delay]: '100' } },
    ]);
    expect(settled).toEqual(['ack']);
    expect(s.counts).toEqual({ ...zero, retried: 1 });
  });

  it('dead-letters the last failed attempt, and counts a timeout too', async () => {
    const { s } = settlement();
    const { session, settled, published } = fakeSession();
    await s.fail(delivery(session, { [headers.attempts]: 2 }), new ActionTimeoutError(50));
    expect(published).toMatchObject([{ exchange: t.dead, headers: { [headers.attempts]: 3 } }]);
    expect(settled).toEqual(['ack']);
    expect(s.counts).toEqual({ ...zero, failed: 1, timedOut: 1 });
  });

  it('hands a failed attempt back when the broker does not confirm its retry', async () => {
    const { s } = settlement();
    const { session, settled } = fakeSession(false);
    await s.fail(delivery(session), new Error('no'));
    expect(settled).toEqual(['requeue']);
    expect(s.counts).toEqual(zero);
  });

  it('dead-letters a malformed message with the reason and its queue', async () => {
    const { s } = settlement();
    const { session, settled, published } = fakeSession();
    await s.malformed(
      {
        message: message(),
        queue: 'test.host.h',
        session,
        channel: session.consumer as unknown as Settles,
        settled: false,
      },
      'malformed: no',
    );
    expect(published).toEqual([
      {
        exchange: t.dead,
        routingKey: '',
        headers: { [headers.reason]: 'malformed: no', [headers.source]: 'test.host.h' },
      },
    ]);
    expect(settled).toEqual(['ack']);
    expect(s.counts).toEqual({ ...zero, malformed: 1 });
  });

  it("parks a paused VM's event in its parked queue with its properties, then acknowledges it", async () => {
    const { s } = settlement();
    const { session, settled, published } = fakeSession();
    await s.park(delivery(session, { ...death, mine: 1 }));
    expect(published).toEqual([{ exchange: '', routingKey: parkedQueue(t, 'h', 'v'), headers: { mine: 1 } }]);
    expect(settled).toEqual(['ack now']); // its place in the read-ahead refilled at once
    expect(s.counts).toEqual({ ...zero, parked: 1 });
  });

  it("moves a host's event to its backlog queue, announcing the queue once, then acknowledges it", async () => {
    const { s } = settlement();
    const { session, settled, published } = fakeSession();
    s.hostQueues.mark('h', 0); // by the intake before its first move, so that later events follow
    await s.divert(delivery(session, { mine: 1 }));
    await s.divert(delivery(session, { mine: 2 }));
    expect(published).toEqual([
      { exchange: '', routingKey: t.control, headers: {} },
      { exchange: '', routingKey: hostQueue(t, 'h'), headers: { mine: 1 } },
      { exchange: '', routingKey: hostQueue(t, 'h'), headers: { mine: 2 } },
    ]);
    expect(settled).toEqual(['ack now', 'ack now']);
    expect(s.counts).toEqual({ ...zero, moved: 2 });
  });

  it('tells when no move is under way any more (a stopping scheduler waits for that)', async () => {
    const { s } = settlement();
    const { session, settled } = fakeSession();
    s.hostQueues.mark('h', 0);
    await s.whenMoved(); // none under way
    let confirm: () => void = () => {};
    const send = session.publisher.sendToQueue.bind(session.publisher);
    // The move's copy waits for `confirm` (the queue's announcement on the control stream does not).
    session.publisher.sendToQueue = (...args) =>
      args[0] === t.control
        ? send(...args)
        : new Promise<void>((resolve) => (confirm = () => void send(...args).then(resolve)));
    const moving = s.divert(delivery(session, { mine: 1 }));
    let moved = false;
    void s.whenMoved().then(() => (moved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(moved).toBe(false); // the copy is not confirmed yet
    confirm();
    await moving;
    await new Promise((resolve) => setImmediate(resolve));
    expect(moved).toBe(true);
    expect(settled).toEqual(['ack now']);
  });

  it('moves an event of a priority level to its own backlog queue, never behind the routine ones', async () => {
    const { s } = settlement(1); // one level named: 0; routine events are level 1
    const { session, published } = fakeSession();
    const routine = (mine: number) => ({ ...delivery(session, { mine }), level: 1 });
    s.hostQueues.mark('h', 1);
    s.hostQueues.mark('h', 0);
    await s.divert(routine(1));
    await s.divert({ ...delivery(session, { mine: 2 }), level: 0 });
    await s.divert(routine(3));
    expect(published).toEqual([
      { exchange: '', routingKey: t.control, headers: {} }, // the routine queue announced
      { exchange: '', routingKey: hostQueue(t, 'h'), headers: { mine: 1 } },
      { exchange: '', routingKey: t.control, headers: {} }, // level 0's queue announced
      { exchange: '', routingKey: hostQueue(t, 'h', 0), headers: { mine: 2 } },
      { exchange: '', routingKey: hostQueue(t, 'h'), headers: { mine: 3 } },
    ]);
    expect(s.hostQueues.queues('h').sort()).toEqual([hostQueue(t, 'h'), hostQueue(t, 'h', 0)].sort());
    expect(isHostQueue(t, hostQueue(t, 'h', 0), 'h')).toBe(true);
    expect(isHostQueue(t, hostQueue(t, 'h'), 'h')).toBe(true);
    expect(isHostQueue(t, hostQueue(t, 'h.x', 0), 'h')).toBe(false);
    expect(isHostQueue(t, `${t.namespace}.levelx.h`, 'h')).toBe(false);
  });

  it('hands a park back, and says why, when the broker does not confirm it', async () => {
    const { s, logged } = settlement();
    const { session, settled } = fakeSession(false);
    await s.park(delivery(session));
    expect(settled).toEqual(['requeue']);
    expect(logged).toEqual(['rxjs-fair: could not park an event of h/v: nacked']);
  });
});
