import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';
import { orLate } from './orLate.js';

/** The header of a reader's marker: a message that tells its writer it has read everything written before it. */
const MARKER = 'x-rxjs-fair-marker';

/**
 * How long `sync()` waits for a marker before it acts: it appends another one, and reads again on a new channel if
 * one was confirmed and the reader delivered nothing for this long.
 */
export const SYNC_RETRY_MS = 1500;

/** Where reading starts: the stream's first message, its first one appended at or after a time (ms), or an offset. */
export type StreamStart = 'first' | { readonly since: number } | { readonly offset: number };

/** A sync in progress: settled by the first of its markers read back. */
interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Reads a RabbitMQ stream from a start, then follows it. `sync()` returns once everything appended before the call
 * has been read: it appends a marker of its own and waits until the marker comes back. Markers are skipped, so
 * every writer's messages reach `onMessage` and nothing else.
 *
 * After the node of the stream's leader is lost, RabbitMQ 3.10 may leave a channel's reader unfed, may never confirm
 * a publish made at that moment, and may even lose one it confirmed, while later publishes go through and new
 * channels read again (on the same connection, often within seconds; on a new connection at once). So a sync whose
 * marker has not come back appends another every `SYNC_RETRY_MS` (any of its markers read back will do: each was
 * appended after the call), and a reader that delivers nothing while a confirmed marker waits reads again on a new
 * channel of the same connection, from just after the last message it delivered: nothing is skipped, nothing is
 * delivered twice.
 */
export class StreamReader {
  #channel: Channel | undefined;
  /** Where the first channel started reading. */
  #from: StreamStart = 'first';
  /** The stream offset of the last message delivered (markers too); -1 before any, NaN if one came without it. */
  #offset = -1;
  /** When the current channel last delivered a message, or was opened (ms). */
  #heardAt = 0;
  #reopening: Promise<void> | undefined;
  #ended = false;
  /** Emits 'close' once, when the reader stops for good (closed, cancelled by the broker, or a sync timed out). */
  readonly #life = new EventEmitter();
  /** Markers appended by `sync()` and not read back yet: the sync each settles. */
  readonly #markers = new Map<string, Waiter>();

  constructor(
    readonly connection: ChannelModel,
    readonly stream: string,
    readonly onMessage: (message: ConsumeMessage) => void,
  ) {}

  /** Starts reading; returns what emits 'close' when the reader stops for good (its owner watches it). */
  async start(from: StreamStart): Promise<EventEmitter> {
    this.#from = from;
    await this.#open(from);
    return this.#life;
  }

  /**
   * Resolves once everything appended before the call has been read. Rejects after `timeoutMs` if no marker of the
   * call was read back by then (or the reader stopped), and stops the reader (its owner ends the session: the
   * publisher's channel may be the one left broken).
   */
  async sync(publisher: ConfirmPublisher, timeoutMs = 30_000): Promise<void> {
    if (this.#ended) throw new Error(`the reader of ${this.stream} is closed`);
    let waiter: Waiter | undefined;
    const seen = new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
    const ids: string[] = [];
    let appendedAt = 0;
    /** When a marker of this call was first confirmed, or the reader last read again on a new channel since. */
    let confirmedAt: number | undefined;
    const append = () => {
      const id = randomUUID();
      ids.push(id);
      this.#markers.set(id, waiter as Waiter);
      appendedAt = Date.now();
      // A nack, or a confirm that never comes, is followed by another marker; a closed channel stops the reader.
      publisher.sendToQueue(this.stream, Buffer.alloc(0), { persistent: true, headers: { [MARKER]: id } }).then(
        () => (confirmedAt ??= Date.now()),
        () => {},
      );
    };
    append();
    const watch = setInterval(
      () => {
        const now = Date.now();
        if (now - appendedAt < SYNC_RETRY_MS) return;
        // None read back yet: another marker (one not confirmed, or confirmed as the leader was lost, may never
        // come), and, if one was confirmed and the reader has delivered nothing since, a new channel to read on.
        append();
        if (confirmedAt !== undefined && now - Math.max(confirmedAt, this.#heardAt) >= SYNC_RETRY_MS) {
          confirmedAt = now;
          void this.#reopen();
        }
      },
      Math.ceil(SYNC_RETRY_MS / 3),
    );
    try {
      if ((await orLate(seen, timeoutMs)) !== 'late') return;
    } finally {
      clearInterval(watch);
      for (const id of ids) this.#markers.delete(id);
    }
    void this.#end();
    throw new Error(`the stream ${this.stream} did not answer within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await this.#end();
  }

  async #open(from: StreamStart): Promise<void> {
    const channel = await this.connection.createChannel();
    if (this.#ended) {
      await channel.close().catch(() => {}); // closed while it opened
      return;
    }
    this.#channel = channel;
    this.#heardAt = Date.now();
    channel.on('error', () => {}); // followed by 'close'
    // The current channel closed by the broker, or with the connection: the reader stops. One it left does not count.
    channel.on('close', () => {
      if (this.#channel === channel) void this.#end();
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
  }

  /** Reads on a new channel of the same connection from just after the last message delivered; the old one closed. */
  #reopen(): Promise<void> {
    this.#reopening ??= (async () => {
      if (this.#ended) return;
      const old = this.#channel;
      this.#channel = undefined; // what the old channel still delivers is read again on the new one
      void old?.close().catch(() => {});
      if (Number.isNaN(this.#offset)) return void this.#end(); // where it stopped is not known: the owner starts anew
      try {
        await this.#open(this.#offset >= 0 ? { offset: this.#offset + 1 } : this.#from);
      } catch {
        void this.#end();
      }
    })().finally(() => (this.#reopening = undefined));
    return this.#reopening;
  }

  /** Stops for good: every sync waiting fails, and the owner is told; resolves once its channel is closed. */
  #end(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#ended = true;
    const channel = this.#channel;
    this.#channel = undefined;
    for (const waiter of new Set(this.#markers.values())) waiter.reject(new Error('the broker connection closed'));
    this.#markers.clear();
    // Told once the channel is closed, as its own 'close' event would tell: not in the middle of the caller's turn.
    return (channel?.close() ?? Promise.resolve()).catch(() => {}).then(() => void this.#life.emit('close'));
  }

  #read(channel: Channel, message: ConsumeMessage | null): void {
    if (channel !== this.#channel) return;
    if (message === null) {
      // Cancelled by the broker (the stream was deleted, or its node is gone): the owner is told.
      void this.#end();
      return;
    }
    this.#heardAt = Date.now();
    channel.ack(message);
    const offset = Number(message.properties.headers?.['x-stream-offset']);
    this.#offset = Number.isInteger(offset) ? offset : NaN;
    const marker = message.properties.headers?.[MARKER] as unknown;
    if (typeof marker === 'string') {
      this.#markers.get(marker)?.resolve();
      this.#markers.delete(marker);
      return;
    }
    this.onMessage(message);
  }
}
