// StreamReader without a broker: a fake stream (a list of messages with their offsets) read by fake channels, one of
// which can be left unfed, and a publisher that can leave a publish unconfirmed, as RabbitMQ 3.10 does after the
// stream's leader node is lost.
import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfirmPublisher } from '../src/ConfirmPublisher.js';
import { StreamReader, SYNC_RETRY_MS } from '../src/StreamReader.js';

function fakeStream() {
  const messages: ConsumeMessage[] = [];
  class FakeChannel extends EventEmitter {
    /** Delivers nothing from now on (a reader left unfed), while the stream goes on. */
    stuck = false;
    closed = false;
    next = 0;
    startedAt: unknown;
    #deliver: (message: ConsumeMessage | null) => void = () => {};
    async prefetch(): Promise<void> {}
    async consume(_queue: string, deliver: (message: ConsumeMessage | null) => void, options: Options.Consume) {
      const offset = options.arguments?.['x-stream-offset'] as unknown;
      this.startedAt = offset;
      this.next = offset === 'first' ? 0 : (offset as number);
      this.#deliver = deliver;
      this.pump();
      return { consumerTag: 'c' };
    }
    ack(): void {}
    async close(): Promise<void> {
      if (this.closed) return;
      this.closed = true;
      this.emit('close');
    }
    cancel(): void {
      this.#deliver(null);
    }
    pump(): void {
      queueMicrotask(() => {
        while (!this.stuck && !this.closed && this.next < messages.length)
          this.#deliver(messages[this.next++] as ConsumeMessage);
      });
    }
  }
  const channels: FakeChannel[] = [];
  const connection = {
    createChannel: async () => {
      const channel = new FakeChannel();
      channels.push(channel);
      return channel;
    },
  } as unknown as ChannelModel;
  const append = (content: string, headers: Record<string, unknown> = {}) => {
    const offset = messages.length;
    messages.push({
      content: Buffer.from(content),
      properties: { headers: { ...headers, 'x-stream-offset': offset } },
      fields: {},
    } as unknown as ConsumeMessage);
    for (const channel of channels) channel.pump();
  };
  /** Publishes left unconfirmed (and not appended) from now on, in order. */
  let dropping = 0;
  const published: Options.Publish[] = [];
  const publisher = {
    sendToQueue(_queue: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
      published.push(options);
      if (dropping > 0) {
        dropping--;
        return new Promise<void>(() => {});
      }
      append(content.toString(), options.headers as Record<string, unknown>);
      return Promise.resolve();
    },
  } as unknown as ConfirmPublisher;
  return {
    connection,
    channels,
    append,
    publisher,
    published,
    drop: (n: number) => (dropping = n),
  };
}

/** A reader of the fake stream and what it handed on, by content. */
async function reading(stream: ReturnType<typeof fakeStream>) {
  const read: string[] = [];
  const reader = new StreamReader(stream.connection, 'test.control', (m) => read.push(m.content.toString()));
  const life = await reader.start('first');
  let closed = false;
  life.on('close', () => (closed = true));
  return { reader, read, closed: () => closed };
}

describe('StreamReader', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should read again on a new channel, from just after the last message read, when its reader goes unfed', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, read, closed } = await reading(stream);
    stream.append('a');
    stream.append('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toEqual(['a', 'b']);
    const first = stream.channels[0];
    (first as { stuck: boolean }).stuck = true;
    stream.append('c'); // another writer's, not delivered on the stuck channel
    let synced = false;
    const sync = reader.sync(stream.publisher, 10_000).then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS - 100);
    expect(synced).toBe(false); // the marker is confirmed, and not read yet
    expect(stream.channels).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS);
    await sync;
    expect(stream.channels).toHaveLength(2);
    expect(stream.channels[1]?.startedAt).toBe(2); // after 'b' (offset 1)
    expect(stream.channels[0]?.closed).toBe(true);
    expect(read).toEqual(['a', 'b', 'c']); // every message once, markers skipped
    expect(closed()).toBe(false); // its owner's session goes on
    stream.append('d');
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toEqual(['a', 'b', 'c', 'd']);
  });

  it('should append another marker when one is never confirmed, and return once that one is read back', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, read, closed } = await reading(stream);
    stream.append('a');
    stream.drop(1);
    let synced = false;
    const sync = reader.sync(stream.publisher, 10_000).then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS - 100);
    expect(synced).toBe(false);
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS);
    await sync;
    expect(stream.published).toHaveLength(2);
    expect(stream.channels).toHaveLength(1); // the reader was fine
    expect(read).toEqual(['a']);
    expect(closed()).toBe(false);
  });

  it('should give up after the timeout and tell its owner, when nothing comes back', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, closed } = await reading(stream);
    stream.drop(1000);
    const sync = reader.sync(stream.publisher, 5000);
    const failed = expect(sync).rejects.toThrow('the stream test.control did not answer within 5000 ms');
    await vi.advanceTimersByTimeAsync(5000);
    await failed;
    expect(closed()).toBe(true);
    expect(stream.channels.every((c) => c.closed)).toBe(true);
    await expect(reader.sync(stream.publisher)).rejects.toThrow('closed');
  });

  it('should stop and tell its owner when the broker cancels its consumer', async () => {
    const stream = fakeStream();
    const { reader, closed } = await reading(stream);
    stream.drop(1);
    const sync = reader.sync(stream.publisher, 5000);
    stream.channels[0]?.cancel();
    await expect(sync).rejects.toThrow('closed');
    expect(closed()).toBe(true);
  });
});
