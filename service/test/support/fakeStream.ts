// A RabbitMQ stream without a broker, for the readers of streams: a list of messages with their offsets, read by fake
// channels (one of which can be left unfed), and a publisher that can leave a publish unconfirmed, or confirm one and
// lose it, as RabbitMQ 3.10 does after the stream's leader node is lost.
import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';
import type { ConfirmPublisher } from '../../src/ConfirmPublisher.js';

export function fakeStream() {
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
  /** Publishes left unconfirmed (and not appended) from now on, in order; and those confirmed, not appended. */
  let dropping = 0;
  let losing = 0;
  const published: Options.Publish[] = [];
  const publisher = {
    sendToQueue(_queue: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
      published.push(options);
      if (dropping > 0) {
        dropping--;
        return new Promise<void>(() => {});
      }
      if (losing > 0) losing--;
      else append(content.toString(), options.headers as Record<string, unknown>);
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
    lose: (n: number) => (losing = n),
  };
}
