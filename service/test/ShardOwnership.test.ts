// ShardOwnership without a broker: a fake session whose publisher records what is appended to the control stream,
// for the handoff's word ("left"), which a taker waits for (up to `takeoverDelay`) when it is lost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Channel, ConsumeMessage } from 'amqplib';
import { Acknowledger } from '../src/Acknowledger.js';
import type { Session } from '../src/BrokerConnection.js';
import type { ShardRecord } from '../src/ControlStream.js';
import { ShardOwnership } from '../src/ShardOwnership.js';
import { headers, shardQueue, SHARDS, topology } from '../src/topology.js';

const t = topology({ namespace: 'test' });

function setUp(running: (shard: number) => number = () => 0) {
  const left: number[] = [];
  let failing = 0;
  let losing = 0;
  // What the stream's readers get of what is appended (all of it, unless told to lose some).
  let readBack: (record: ShardRecord) => void = () => {};
  // The shards' channels, one each: their consumers by queue (and the channel each is on), and the acknowledgements
  // they sent (tag, multiple; and the channel of each).
  const consumers = new Map<string, (message: ConsumeMessage | null) => void>();
  const consumedOn = new Map<string, number>();
  const acks: [number, boolean][] = [];
  const ackedOn: number[] = [];
  const published: string[] = [];
  const shards = Array.from({ length: SHARDS }, (_, channel) => ({
    consume: async (queue: string, onMessage: (message: ConsumeMessage | null) => void) => {
      consumers.set(queue, onMessage);
      consumedOn.set(queue, channel);
      return { consumerTag: queue };
    },
    cancel: async () => {},
    ack: (message: ConsumeMessage, allUpTo = false) => {
      acks.push([message.fields.deliveryTag, allUpTo]);
      ackedOn.push(channel);
    },
    nack() {},
  }));
  const publisher = {
    sendToQueue: async (queue: string, content: Buffer) => {
      published.push(queue);
      if (queue !== t.control) return;
      const record = JSON.parse(content.toString()) as ShardRecord;
      if (failing > 0) {
        failing--;
        throw new Error('message nacked');
      }
      if (record.state === 'left') left.push(record.shard);
      if (losing > 0) losing--;
      else readBack(record);
    },
  };
  const session = {
    closed: false,
    live: true,
    cancelled: new Set<string>(),
    // The channels of its own it opens to count the live schedulers: only this one.
    connection: {
      createChannel: async () => ({
        on() {},
        close: async () => {},
        assertQueue: async () => ({}),
        checkQueue: async () => ({ messageCount: 0, consumerCount: 1 }),
      }),
    },
    consumerAcks: { consume: async () => ({ consumerTag: 'schedulers' }) },
    // Every shard has its token already, and this scheduler is the only one live.
    confirm: { checkQueue: async () => ({ messageCount: 1, consumerCount: 1 }) },
    shardAcks: shards.map((channel) => new Acknowledger(channel as unknown as Channel)),
    publisher,
    // Appends through the publisher, and fails, as ControlStream's does, when the record is not read back.
    control: {
      append: async (_: unknown, record: ShardRecord) => {
        const lost = losing > 0;
        await publisher.sendToQueue(t.control, Buffer.from(JSON.stringify(record)));
        if (lost) throw new Error('the control stream lost a record that the broker confirmed (shard)');
      },
      sync: async () => {},
    },
  } as unknown as Session;
  const ownership = new ShardOwnership({
    topology: t,
    id: 'me',
    takeoverDelay: 60_000,
    running,
    deliver: () => {},
    served: async () => {},
    log: () => {},
    changed: () => {},
  });
  readBack = (record) => ownership.record(record);
  let tag = 0;
  /** Delivers a message (a token, with `token`) to a shard's consumer; returns it. */
  const deliver = (shard: number, token = false): ConsumeMessage => {
    const message = {
      content: Buffer.from(token ? 'token' : '{}'),
      fields: { deliveryTag: ++tag, redelivered: false },
      properties: { headers: token ? { [headers.token]: 1 } : {} },
    } as unknown as ConsumeMessage;
    consumers.get(shardQueue(t, shard))?.(message);
    return message;
  };
  return {
    ownership,
    session,
    left,
    acks,
    ackedOn,
    consumedOn,
    published,
    deliver,
    fail: (n: number) => (failing = n),
    /** The next `n` records are confirmed, and never read. */
    lose: (n: number) => (losing = n),
  };
}

describe('ShardOwnership', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should say again that it let go of a shard the registry still has it hold, when it neither serves nor runs it', async () => {
    vi.useFakeTimers();
    const { ownership, session, left } = setUp((shard) => (shard === 5 ? 1 : 0));
    // Its word for shard 3 was lost with its last session; shard 5 still runs an action here; shard 7 is another's.
    ownership.record({ type: 'shard', shard: 3, state: 'taken', by: 'me' });
    ownership.record({ type: 'shard', shard: 5, state: 'taken', by: 'me' });
    ownership.record({ type: 'shard', shard: 7, state: 'taken', by: 'another' });
    await ownership.attach(session);
    await vi.advanceTimersByTimeAsync(1000);
    expect(left).toEqual([]); // not at once: the word may be on its way
    await vi.advanceTimersByTimeAsync(1000);
    expect(left).toEqual([3]);
    ownership.record({ type: 'shard', shard: 3, state: 'left', by: 'me' }); // read back
    await vi.advanceTimersByTimeAsync(5000);
    expect(left).toEqual([3]);
    ownership.stop();
  });

  it('should append its word again when the stream did not confirm it', async () => {
    vi.useFakeTimers();
    const { ownership, session, left, fail } = setUp();
    ownership.record({ type: 'shard', shard: 2, state: 'taken', by: 'me' });
    await ownership.attach(session);
    fail(2); // a stream electing its new leader nacks
    const said = ownership.sayLeft(session, [2], 0);
    await vi.advanceTimersByTimeAsync(300);
    expect(left).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    await said;
    expect(left).toEqual([2]);
    ownership.stop();
  });

  it('should renew a token that holds back a run of acknowledgements, and acknowledge the run past it', async () => {
    vi.useFakeTimers();
    const { ownership, session, acks, published, deliver } = setUp();
    await ownership.attach(session);
    deliver(0, true); // the broker made it shard 0's consumer
    await vi.advanceTimersByTimeAsync(200); // taken (nobody held it), and the token not new any more
    expect(ownership.serves(0)).toBe(true);
    const events = Array.from({ length: 40 }, () => deliver(0));
    for (const event of events) session.shardAcks[0]?.ack(event);
    await vi.advanceTimersByTimeAsync(1);
    expect(published.filter((queue) => queue === shardQueue(t, 0))).toHaveLength(1); // a new token, behind them
    expect(acks).toEqual([[41, true]]); // the old token (tag 1) and the 40 events, in one frame
    // A few acknowledgements behind the new token renew nothing: they go alone.
    const token = deliver(0, true);
    await vi.advanceTimersByTimeAsync(200); // old enough to renew
    const later = [deliver(0), deliver(0)];
    for (const event of later) session.shardAcks[0]?.ack(event);
    await vi.advanceTimersByTimeAsync(200);
    expect(published.filter((queue) => queue === shardQueue(t, 0))).toHaveLength(1);
    expect(acks.slice(1)).toEqual([
      [43, false],
      [44, false],
    ]);
    expect(token.fields.deliveryTag).toBe(42); // held
    ownership.stop();
  });

  it('should consume each shard on a channel of its own, and settle its messages there', async () => {
    vi.useFakeTimers();
    const { ownership, session, consumedOn, ackedOn, deliver } = setUp();
    await ownership.attach(session);
    expect([...consumedOn]).toEqual(Array.from({ length: SHARDS }, (_, shard) => [shardQueue(t, shard), shard]));
    deliver(3, true);
    deliver(3, true); // a second token: one is enough, it is acknowledged (alone, behind the one held)
    await vi.advanceTimersByTimeAsync(20);
    expect(ackedOn).toEqual([3]);
    ownership.stop();
  });

  it('should not serve a shard whose record of taking it the stream confirmed and lost', async () => {
    vi.useFakeTimers();
    const { ownership, session, deliver, lose, published } = setUp();
    await ownership.attach(session);
    lose(1);
    deliver(6, true); // the broker made it shard 6's consumer
    await vi.advanceTimersByTimeAsync(200);
    // Not served: another scheduler taking it next would not know to wait for this one's actions.
    expect(ownership.serves(6)).toBe(false);
    expect(published.filter((queue) => queue === t.control)).toHaveLength(2); // taken (lost), then left
    deliver(6, true); // its line's consumer again: taken, and read back this time
    await vi.advanceTimersByTimeAsync(200);
    expect(ownership.serves(6)).toBe(true);
    ownership.stop();
  });

  it('should not say it again once the registry has it', async () => {
    vi.useFakeTimers();
    const { ownership, session, left } = setUp();
    ownership.record({ type: 'shard', shard: 4, state: 'taken', by: 'another' });
    await ownership.attach(session);
    ownership.record({ type: 'shard', shard: 4, state: 'taken', by: 'me' });
    ownership.record({ type: 'shard', shard: 4, state: 'left', by: 'me' });
    await ownership.sayLeft(session, [4], 0);
    expect(left).toEqual([]); // the registry has it said already
    ownership.stop();
  });
});
