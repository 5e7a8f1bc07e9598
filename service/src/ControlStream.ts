import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';
import { StreamReader, type StreamStart } from './StreamReader.js';
import type { AvailabilityPatch, WeightsPatch } from './schemas.js';
import type { Topology } from './topology.js';

/** A scheduler took a shard (it serves its hosts from now on) or let go of it (its last action there ended). */
export interface ShardRecord {
  readonly type: 'shard';
  readonly shard: number;
  readonly state: 'taken' | 'left';
  /** The scheduler process. */
  readonly by: string;
}

/** What the registry (the control stream) holds, in order. */
export type ControlMessage =
  /** A host has a backlog queue (of its events of a priority level, with `level`): its shard's scheduler consumes it. */
  | { readonly type: 'host'; readonly host: string; readonly level?: number }
  /** A host's backlog queues were drained and deleted: its events stay in its shard again. */
  | { readonly type: 'retired'; readonly host: string; readonly by: string }
  | ShardRecord
  /** A VM has a parked queue: schedulers consume it while the VM is available. */
  | { readonly type: 'parked'; readonly host: string; readonly vm: string }
  /** An availability change, in force from here on. */
  | { readonly type: 'availability'; readonly patch: AvailabilityPatch }
  /** Host weights, in force from here on (1 puts a host back to the default). */
  | { readonly type: 'weights'; readonly weights: WeightsPatch };

/**
 * How long a scheduler's own syncs and read-backs of the control stream wait (taking a shard, announcing a queue):
 * not a sync's default 30 s, since a stream that does not answer on this connection then ends the session, and a new
 * one reads at once.
 */
export const OWN_SYNC_TIMEOUT_MS = 5000;

/** A record the broker confirmed and the control stream does not have: appending it again may work (a 503). */
export class ControlRecordLostError extends Error {
  constructor(type: ControlMessage['type']) {
    super(`the control stream lost a record that the broker confirmed (${type}): try again`);
    this.name = 'ControlRecordLostError';
  }
}

/** Names a record appended by `ControlStream.append`, so that its reader knows it when it reads it back. */
const RECORD = 'x-rxjs-fair-record';

/**
 * Appends a message to the control stream; resolves once the broker confirmed it. After the loss of the stream's
 * leader, RabbitMQ 3.10 may confirm a record that no reader ever gets: what must be read by the other schedulers is
 * appended with `ControlStream.append`, which reads it back.
 */
export function publishControl(
  publisher: ConfirmPublisher,
  t: Topology,
  message: ControlMessage,
  headers?: Record<string, string>,
): Promise<void> {
  return publisher.sendToQueue(t.control, Buffer.from(JSON.stringify(message)), {
    persistent: true,
    contentType: 'application/json',
    headers,
  });
}

/**
 * Reads the control stream from a start (its first message, or just after a snapshot or what an earlier connection
 * read), then follows it, handing each message of the registry to `onMessage` with its offset. `sync()` returns once
 * everything written before the call has been read.
 */
export class ControlStream {
  readonly #reader: StreamReader;
  /** Records appended by `append` and not read back yet. */
  readonly #unread = new Set<string>();

  constructor(
    readonly connection: ChannelModel,
    readonly topology: Topology,
    readonly onMessage: (message: ControlMessage, offset: number) => void,
  ) {
    this.#reader = new StreamReader(connection, topology.control, (message) => this.#read(message));
  }

  /** Starts reading; returns what emits 'close' when the reader stops for good. */
  start(from: StreamStart = 'first'): Promise<EventEmitter> {
    return this.#reader.start(from);
  }

  sync(publisher: ConfirmPublisher, timeoutMs?: number): Promise<void> {
    return this.#reader.sync(publisher, timeoutMs);
  }

  /**
   * Appends a message and resolves once this reader has read it back, so that every reader gets it: rejects when the
   * broker confirmed it but it is not in the stream (after the loss of the stream's leader, RabbitMQ 3.10 may do
   * that), or when the stream does not answer within `timeoutMs` (the reader stops: its owner ends the session).
   */
  async append(publisher: ConfirmPublisher, message: ControlMessage, timeoutMs?: number): Promise<void> {
    const id = randomUUID();
    this.#unread.add(id);
    try {
      await publishControl(publisher, this.topology, message, { [RECORD]: id });
      await this.sync(publisher, timeoutMs);
      if (this.#unread.has(id)) throw new ControlRecordLostError(message.type);
    } finally {
      this.#unread.delete(id);
    }
  }

  close(): Promise<void> {
    return this.#reader.close();
  }

  #read(message: ConsumeMessage): void {
    const id = message.properties.headers?.[RECORD] as unknown;
    if (typeof id === 'string') this.#unread.delete(id);
    let value: ControlMessage;
    try {
      value = JSON.parse(message.content.toString()) as ControlMessage;
    } catch {
      return; // not ours: the stream is append-only, so a stray message is skipped, not dead-lettered
    }
    if (value === null || typeof value !== 'object') return;
    this.onMessage(value, Number(message.properties.headers?.['x-stream-offset']));
  }
}
