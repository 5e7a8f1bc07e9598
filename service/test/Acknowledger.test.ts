// The Acknowledger against a channel that keeps the broker's side of it: the messages delivered and not yet settled,
// and each frame received. A frame with `multiple` settles every unsettled message up to its tag, as the broker does,
// so a run that covered a message not acknowledged here would show.
import type { Channel, ConsumeMessage } from 'amqplib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Acknowledger } from '../src/Acknowledger.js';

type Frame = { readonly kind: 'ack' | 'nack'; readonly tag: number; readonly multiple: boolean };

function broker() {
  const unsettled = new Set<number>();
  const frames: Frame[] = [];
  /** Tags settled by the frames, in order: by an ack (alone or in a run), or handed back by a nack. */
  const acked: number[] = [];
  const nacked: number[] = [];
  const consumers: ((message: ConsumeMessage | null) => void)[] = [];
  let nextTag = 1;
  let closed = false;
  const settle = (kind: Frame['kind'], message: ConsumeMessage, multiple: boolean) => {
    if (closed) throw new Error('Channel closed');
    const tag = message.fields.deliveryTag;
    frames.push({ kind, tag, multiple });
    const tags = multiple ? [...unsettled].filter((t) => t <= tag) : [tag];
    for (const t of tags) {
      if (!unsettled.delete(t)) throw new Error(`PRECONDITION_FAILED - unknown delivery tag ${t}`);
      (kind === 'ack' ? acked : nacked).push(t);
    }
  };
  const channel = {
    consume: async (_queue: string, onMessage: (message: ConsumeMessage | null) => void) => {
      consumers.push(onMessage);
      return { consumerTag: `c${consumers.length}` };
    },
    ack: (message: ConsumeMessage, allUpTo = false) => settle('ack', message, allUpTo),
    nack: (message: ConsumeMessage, allUpTo = false) => settle('nack', message, allUpTo),
  } as unknown as Channel;
  return {
    channel,
    unsettled,
    frames,
    acked,
    nacked,
    /** Delivers a message to the first consumer (or the one given). */
    deliver(consumer = 0): ConsumeMessage {
      const tag = nextTag++;
      unsettled.add(tag);
      const message = { fields: { deliveryTag: tag }, properties: { headers: {} } } as unknown as ConsumeMessage;
      consumers[consumer]?.(message);
      return message;
    },
    close() {
      closed = true;
    },
  };
}

describe('Acknowledger', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should acknowledge the messages acknowledged in one turn, in delivery order, in one frame', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    const seen: ConsumeMessage[] = [];
    await acks.consume('q', (message) => message && seen.push(message));
    const messages = [b.deliver(), b.deliver(), b.deliver()];
    expect(seen).toEqual(messages);
    for (const message of messages) acks.ack(message);
    expect(b.frames).toEqual([]); // at the end of the turn
    await vi.advanceTimersToNextTimerAsync();
    expect(b.frames).toEqual([{ kind: 'ack', tag: 3, multiple: true }]);
    expect(b.unsettled.size).toBe(0);
  });

  it('should hold an acknowledgement behind an older message not settled, and send both in one frame once it is', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {});
    const [first, second] = [b.deliver(), b.deliver()] as [ConsumeMessage, ConsumeMessage];
    acks.ack(second);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames).toEqual([]);
    acks.ack(first);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames).toEqual([{ kind: 'ack', tag: 2, multiple: true }]);
  });

  it('should send an acknowledgement alone after 5 to 10 ms behind a message never settled, never covering it', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    const blocked: [number, number][] = [];
    acks.blocked = (message, waiting) => blocked.push([message.fields.deliveryTag, waiting]);
    await acks.consume('q', () => {});
    const [, second] = [b.deliver(), b.deliver()] as [ConsumeMessage, ConsumeMessage];
    acks.ack(second);
    await vi.advanceTimersByTimeAsync(4);
    expect(b.frames).toEqual([]);
    expect(blocked).toEqual([[1, 1]]); // told what holds how many back
    await vi.advanceTimersByTimeAsync(7);
    expect(b.frames).toEqual([{ kind: 'ack', tag: 2, multiple: false }]);
    expect([...b.unsettled]).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0); // nothing waits: no timer left
  });

  it('should acknowledge at once behind a message that has held runs back for a whole tick', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {});
    const [, second, third, fourth] = [b.deliver(), b.deliver(), b.deliver(), b.deliver()] as ConsumeMessage[];
    acks.ack(second as ConsumeMessage);
    await vi.advanceTimersByTimeAsync(7); // a first tick: the oldest open message is noted
    acks.ack(third as ConsumeMessage);
    await vi.advanceTimersByTimeAsync(4); // a second tick: still the oldest, so stuck; the second goes alone
    expect(b.frames).toEqual([{ kind: 'ack', tag: 2, multiple: false }]);
    acks.ack(fourth as ConsumeMessage);
    await vi.advanceTimersByTimeAsync(1); // at the end of the turn, not a tick later
    expect(b.frames.slice(1)).toEqual([{ kind: 'ack', tag: 4, multiple: false }]);
    await vi.advanceTimersByTimeAsync(10);
    expect(b.acked.sort()).toEqual([2, 3, 4]);
  });

  it('should acknowledge with ackNow at the end of the turn, in the run it ends or alone, never waiting', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {});
    const [first, second, third] = [b.deliver(), b.deliver(), b.deliver()] as ConsumeMessage[];
    acks.ackNow(third as ConsumeMessage); // behind two open messages: alone
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames).toEqual([{ kind: 'ack', tag: 3, multiple: false }]);
    acks.ack(first as ConsumeMessage);
    acks.ackNow(second as ConsumeMessage); // ends the run of the first
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames.slice(1)).toEqual([{ kind: 'ack', tag: 2, multiple: true }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should hand a message back at once and alone, and acknowledge the run after it', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {});
    const [first, second, third] = [b.deliver(), b.deliver(), b.deliver()] as ConsumeMessage[];
    acks.ack(third as ConsumeMessage);
    acks.ack(second as ConsumeMessage);
    acks.nack(first as ConsumeMessage);
    expect(b.frames).toEqual([{ kind: 'nack', tag: 1, multiple: false }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames.slice(1)).toEqual([{ kind: 'ack', tag: 3, multiple: true }]);
    expect(() => acks.nack(first as ConsumeMessage, true)).toThrow(/one message/);
  });

  it('should send what waits on flush, and leave the channel alone once it is closed', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {});
    const [, second, third] = [b.deliver(), b.deliver(), b.deliver()] as ConsumeMessage[];
    acks.ack(third as ConsumeMessage);
    acks.ack(second as ConsumeMessage);
    acks.flush();
    expect(b.acked.sort()).toEqual([2, 3]);
    const fourth = b.deliver();
    acks.ack(fourth);
    b.close();
    await vi.advanceTimersByTimeAsync(20); // the failed frame is not thrown out of a timer
    expect(vi.getTimerCount()).toBe(0);
  });

  it('should not track a consumer without acknowledgements', async () => {
    const b = broker();
    const acks = new Acknowledger(b.channel);
    await acks.consume('q', () => {}, { noAck: true });
    await acks.consume('r', () => {});
    b.deliver(0); // to the noAck consumer: the broker does not count it (here: removed as it would be)
    b.unsettled.delete(1);
    const message = b.deliver(1);
    acks.ack(message);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.frames).toEqual([{ kind: 'ack', tag: 2, multiple: true }]);
  });

  it('should settle every message as asked, once, and never one not acknowledged here', async () => {
    // Deliveries, acks, nacks and time in any order: at the end, with flush, every message acknowledged here was
    // acknowledged once by the broker's count, every one handed back was handed back, and the rest are unsettled.
    const step = fc.oneof(
      fc.constant({ kind: 'deliver' as const }),
      fc.record({ kind: fc.constantFrom('ack' as const, 'ackNow' as const, 'nack' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 12 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), fc.boolean(), async (steps, flush) => {
        vi.clearAllTimers();
        const b = broker();
        const acks = new Acknowledger(b.channel);
        await acks.consume('q', () => {});
        const open: ConsumeMessage[] = [];
        const wantAcked: number[] = [];
        const wantNacked: number[] = [];
        for (const s of steps) {
          if (s.kind === 'deliver') open.push(b.deliver());
          else if (s.kind === 'wait') await vi.advanceTimersByTimeAsync(s.ms);
          else if (open.length > 0) {
            const [message] = open.splice(s.pick % open.length, 1) as [ConsumeMessage];
            if (s.kind === 'ack' || s.kind === 'ackNow') {
              acks[s.kind](message);
              wantAcked.push(message.fields.deliveryTag);
            } else {
              acks.nack(message);
              wantNacked.push(message.fields.deliveryTag);
            }
          }
        }
        if (flush) acks.flush();
        // Long enough for anything held back to go alone (after a flush: the turn's end finds nothing to send).
        await vi.advanceTimersByTimeAsync(flush ? 1 : 11);
        const sorted = (tags: number[]) => [...tags].sort((x, y) => x - y);
        expect(sorted(b.acked)).toEqual(sorted(wantAcked));
        expect(sorted(b.nacked)).toEqual(sorted(wantNacked));
        expect(sorted([...b.unsettled])).toEqual(sorted(open.map((m) => m.fields.deliveryTag)));
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
