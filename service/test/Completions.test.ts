// The record of the ids done without a broker: a fake stream (what is published is read back in order, and each
// publish waits for a confirm the test gives) under the real StreamReader and Completions.
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Completions } from '../src/Completions.js';
import type { ConfirmPublisher } from '../src/ConfirmPublisher.js';
import { topology } from '../src/topology.js';

const t = topology({ namespace: 'test' });

/** A stream with one reader: publishes wait in `unconfirmed` until `confirm()`, and are read back then. */
function fakeStream() {
  let read: (message: ConsumeMessage) => void = () => {};
  const published: { content: string; options: Options.Publish }[] = [];
  const unconfirmed: { deliver: () => void; settle: (ok: boolean) => void }[] = [];
  const channel = {
    on() {},
    prefetch: async () => {},
    consume: async (_queue: string, onMessage: (message: ConsumeMessage) => void) => {
      read = onMessage;
      return { consumerTag: 'c' };
    },
    ack() {},
    close: async () => {},
  };
  const connection = { createChannel: async () => channel } as unknown as ChannelModel;
  const publisher = {
    sendToQueue(_queue: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
      published.push({ content: content.toString(), options });
      const message = { content, properties: { headers: {}, ...options }, fields: {} } as unknown as ConsumeMessage;
      return new Promise<void>((resolve, reject) =>
        unconfirmed.push({
          deliver: () => read(message),
          settle: (ok) => (ok ? resolve() : reject(new Error('nacked'))),
        }),
      );
    },
  } as unknown as ConfirmPublisher;
  /** Confirms (or nacks) every publish so far, reading back those confirmed. */
  const confirm = async (ok = true) => {
    for (const { deliver, settle } of unconfirmed.splice(0)) {
      if (ok) deliver();
      settle(ok);
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  /** Lets the markers of `sync()` come back while `attach` runs. */
  const attach = async (completions: Completions) => {
    const attached = completions.attach(connection, publisher);
    for (let i = 0; i < 5; i++) await confirm();
    await attached;
  };
  /** Waits for the ids recorded so far to go (they are batched for 2 ms). */
  const sent = () => new Promise((resolve) => setTimeout(resolve, 10));
  return { connection, publisher, published, confirm, attach, sent };
}

describe('Completions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should append the ids done together in one message, and call back each only after its confirm', async () => {
    const stream = fakeStream();
    const completions = new Completions(t, { windowMs: 60_000, maxIds: 100 });
    await stream.attach(completions);
    const before = stream.published.length;
    const recorded: string[] = [];
    for (const id of ['a', 'b', 'c']) completions.record(id, () => recorded.push(id));
    expect(completions.has('b')).toBe(true); // remembered at once
    await stream.sent();
    expect(stream.published.slice(before).map((p) => p.content)).toEqual(['a\nb\nc']);
    expect(recorded).toEqual([]); // not confirmed yet
    completions.record('d', () => recorded.push('d')); // done after that message went: the next one
    await stream.sent();
    expect(stream.published.slice(before).map((p) => p.content)).toEqual(['a\nb\nc', 'd']);
    await stream.confirm();
    expect(recorded).toEqual(['a', 'b', 'c', 'd']);
  });

  it("should remember another scheduler's records as it reads them, and skip its own", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_500 });
    const stream = fakeStream();
    const completions = new Completions(t, { windowMs: 1000, maxIds: 100 });
    await stream.attach(completions);
    // Another scheduler's record, stamped (in seconds, as AMQP has it) half a second ago.
    void stream.publisher.sendToQueue(t.done, Buffer.from('theirs'), { timestamp: 1000, appId: 'another' });
    await stream.confirm();
    expect(completions.has('theirs')).toBe(true);
    completions.record('mine', () => {});
    await stream.sent();
    expect(stream.published.at(-1)?.options.appId).toEqual(expect.any(String));
    expect(stream.published.at(-1)?.options.appId).not.toBe('another');
    await stream.confirm(); // read back: had it counted, 'mine' would now date from its message's second
    vi.setSystemTime(1_001_200);
    expect(completions.has('theirs')).toBe(false);
    expect(completions.has('mine')).toBe(true);
  });

  it('should call back after a failed append too, and append those ids on the next connection', async () => {
    const stream = fakeStream();
    const completions = new Completions(t, { windowMs: 60_000, maxIds: 100 });
    await stream.attach(completions);
    let recorded = false;
    completions.record('lost', () => (recorded = true));
    await stream.sent();
    await stream.confirm(false);
    await stream.sent();
    expect(recorded).toBe(true);
    await completions.detach(stream.connection);
    const next = fakeStream();
    await next.attach(completions);
    expect(next.published.map((p) => p.content)).toContain('lost');
  });

  it('should forget ids done longer ago than the window, oldest first, and keep the others', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const completions = new Completions(t, { windowMs: 1000, maxIds: 100 });
    completions.record('old', () => {}); // no connection: kept for the next one
    vi.advanceTimersByTime(600);
    completions.record('young', () => {});
    expect(completions.has('old')).toBe(true);
    vi.advanceTimersByTime(400);
    expect(completions.has('old')).toBe(true); // exactly the window: still remembered
    vi.advanceTimersByTime(1);
    expect(completions.has('old')).toBe(false);
    expect(completions.has('young')).toBe(true);
    completions.record('old', () => {}); // done again: remembered anew, after 'young'
    vi.advanceTimersByTime(600);
    expect(completions.has('young')).toBe(false);
    expect(completions.has('old')).toBe(true);
  });

  it('should drop the oldest id past maxIds', () => {
    const completions = new Completions(t, { windowMs: 60_000, maxIds: 2 });
    for (const id of ['a', 'b', 'c']) completions.record(id, () => {});
    expect([completions.has('a'), completions.has('b'), completions.has('c')]).toEqual([false, true, true]);
  });
});
