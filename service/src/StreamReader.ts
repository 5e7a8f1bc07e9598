import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';

/** The header of a reader's marker: a message that tells its writer it has read everything written before it. */
const MARKER = 'x-rxjs-fair-marker';

/** Where reading starts: the stream's first message, its first one appended at or after a time (ms), or an offset. */
export type StreamStart = 'first' | { readonly since: number } | { readonly offset: number };

/**
 * Reads a RabbitMQ stream from a start, then follows it. `sync()` returns once everything appended before the call
 * has been read: it appends a marker of its own and waits until the marker comes back. Markers are skipped, so
 * every writer's messages reach `onMessage` and nothing else.
 */
export class StreamReader {
  #channel: Channel | undefined;
  /** Markers appended by `sync()` and not read back yet: how to settle each. */
  readonly #markers = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(
    readonly connection: ChannelModel,
    readonly stream: string,
    readonly onMessage: (message: ConsumeMessage) => void,
  ) {}

  /** Starts reading; returns the channel it reads on (its owner watches it close). */
  async start(from: StreamStart): Promise<Channel> {
    const channel = await this.connection.createChannel();
    this.#channel = channel;
    channel.on('error', () => {}); // followed by 'close'
    channel.on('close', () => {
      for (const { reject } of this.#markers.values()) reject(new Error('the broker connection closed'));
      this.#markers.clear();
    });
    await channel.prefetch(1000);
    // A stream offset by time is an AMQP timestamp, in seconds: amqplib sends one for a `timestamp`-typed value.
    const offset =
      typeof from === 'string'
        ? from
        : 'offset' in from
          ? from.offset
          : { '!': 'timestamp', value: Math.floor(from.since / 1000) };
    await channel.consume(this.stream, (message) => this.#read(channel, message), {
      noAck: false,
      arguments: { 'x-stream-offset': offset },
    });
    return channel;
  }

  /**
   * Resolves once everything appended before the call has been read. Rejects after `timeoutMs` if the marker was
   * not confirmed and read back by then, and closes the channel it reads on (its owner ends the session): after its
   * leader's node is lost, a stream may keep a channel's publishes unconfirmed, or its reader unfed, for good
   * (RabbitMQ 3.10), and only new channels work again.
   */
  async sync(publisher: ConfirmPublisher, timeoutMs = 30_000): Promise<void> {
    const id = randomUUID();
    const seen = new Promise<void>((resolve, reject) => this.#markers.set(id, { resolve, reject }));
    seen.catch(() => {}); // awaited below; not unhandled if the publish fails first
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const synced = publisher
      .sendToQueue(this.stream, Buffer.alloc(0), { persistent: true, headers: { [MARKER]: id } })
      .then(() => seen);
    try {
      if ((await Promise.race([synced, late])) !== 'late') return;
    } finally {
      clearTimeout(timer);
    }
    synced.catch(() => {});
    this.#markers.delete(id);
    void this.#channel?.close().catch(() => {});
    throw new Error(`the stream ${this.stream} did not answer within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await this.#channel?.close().catch(() => {});
  }

  #read(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // Cancelled by the broker (the stream was deleted, or its node is gone): closing the channel tells its owner.
      void channel.close().catch(() => {});
      return;
    }
    channel.ack(message);
    const marker = message.properties.headers?.[MARKER] as unknown;
    if (typeof marker === 'string') {
      this.#markers.get(marker)?.resolve();
      this.#markers.delete(marker);
      return;
    }
    this.onMessage(message);
  }
}
