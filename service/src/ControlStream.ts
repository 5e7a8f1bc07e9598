import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';
import type { AvailabilityPatch, WeightsPatch } from './schemas.js';
import type { Topology } from './topology.js';

/** What the registry (the control stream) holds, in order. */
export type ControlMessage =
  /** A host has a queue: schedulers consume it. */
  | { readonly type: 'host'; readonly host: string }
  /** A VM has a parked queue: schedulers consume it while the VM is available. */
  | { readonly type: 'parked'; readonly host: string; readonly vm: string }
  /** An availability change, in force from here on. */
  | { readonly type: 'availability'; readonly patch: AvailabilityPatch }
  /** Host weights, in force from here on (1 puts a host back to the default). */
  | { readonly type: 'weights'; readonly weights: WeightsPatch }
  /** A reader's marker: once it reads its own, it has read everything written before. */
  | { readonly type: 'sync'; readonly id: string };

/** Appends a message to the control stream; resolves once the broker confirmed it. */
export function publishControl(publisher: ConfirmPublisher, t: Topology, message: ControlMessage): Promise<void> {
  return publisher.sendToQueue(t.control, Buffer.from(JSON.stringify(message)), {
    persistent: true,
    contentType: 'application/json',
  });
}

/**
 * Reads the control stream from its first message, then follows it. `sync()` returns once everything written
 * before the call has been read: it appends a marker of its own and waits until the marker comes back.
 */
export class ControlStream {
  #channel: Channel | undefined;
  /** Markers appended by `sync()` and not read back yet: how to settle each. */
  readonly #markers = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(
    readonly connection: ChannelModel,
    readonly topology: Topology,
    readonly onMessage: (message: ControlMessage) => void,
  ) {}

  /** Starts reading; returns the channel it reads on. */
  async start(): Promise<Channel> {
    const channel = await this.connection.createChannel();
    this.#channel = channel;
    channel.on('error', () => {}); // followed by 'close', which the owner watches
    channel.on('close', () => {
      for (const { reject } of this.#markers.values()) reject(new Error('the broker connection closed'));
      this.#markers.clear();
    });
    await channel.prefetch(1000);
    await channel.consume(this.topology.control, (message) => this.#read(channel, message), {
      noAck: false,
      arguments: { 'x-stream-offset': 'first' },
    });
    return channel;
  }

  async sync(publisher: ConfirmPublisher, timeoutMs = 30_000): Promise<void> {
    const id = randomUUID();
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#markers.delete(id);
        reject(new Error(`the control stream ${this.topology.control} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#markers.set(id, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    seen.catch(() => {}); // awaited below; not unhandled if the publish fails first
    await publishControl(publisher, this.topology, { type: 'sync', id });
    await seen;
  }

  async close(): Promise<void> {
    await this.#channel?.close().catch(() => {});
  }

  #read(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) return; // cancelled by the broker
    channel.ack(message);
    let value: ControlMessage;
    try {
      value = JSON.parse(message.content.toString()) as ControlMessage;
    } catch {
      return; // not ours: the stream is append-only, so a stray message is skipped, not dead-lettered
    }
    if (value === null || typeof value !== 'object') return;
    if (value.type === 'sync') {
      const marker = this.#markers.get(value.id);
      this.#markers.delete(value.id);
      marker?.resolve();
      return;
    }
    this.onMessage(value);
  }
}
