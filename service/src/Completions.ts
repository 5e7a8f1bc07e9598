import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';
import { orLate } from './orLate.js';
import { StreamReader } from './StreamReader.js';
import type { Topology } from './topology.js';

/** How long, and how many, completed ids are remembered. */
export interface CompletionsOptions {
  /** An event redelivered this long after it was done is run again. */
  readonly windowMs: number;
  /** The most ids held in memory; the oldest go first. */
  readonly maxIds: number;
}

/** Ids done within `BATCH_MS`, appended in one message, and who waits for its confirm. */
interface Batch {
  readonly publisher: ConfirmPublisher;
  readonly ids: string[];
  readonly recorded: (() => void)[];
}

/** How long a record may wait for the broker's confirm before its message is acknowledged anyway. */
const RECORD_TIMEOUT_MS = 5000;
/**
 * How long the ids done wait to go in one message. Each message costs the broker a write to the stream and a confirm;
 * a turn of the event loop holds few ids when actions take time, and 2 ms of them in one message cut the broker's CPU
 * per event by a fifth in drains of 1 ms actions (alternated runs: 55 to 62 µs against 63 to 81). Each event's
 * acknowledgement waits that much longer, its message held meanwhile (within the prefetch).
 */
const BATCH_MS = 2;

/**
 * The ids of the events done, shared by every scheduler through a stream (`<ns>.done`). A scheduler appends an
 * event's id once its action is done, before it acknowledges the message; every scheduler reads the stream from
 * `windowMs` ago when it connects, and follows it. An event redelivered after it was done (its acknowledgement
 * lost with the broker, or with the connection of the scheduler that ran it) is then recognised and not run again.
 *
 * The ids live as long as the scheduler, across its connections: an action that ends while the broker is away is
 * remembered here, and appended to the stream once connected again, before anything is consumed.
 *
 * What still runs twice: an action done whose id reached neither the stream nor the scheduler that gets the
 * redelivery (its scheduler died before the broker confirmed the id), and an action still running when its
 * scheduler died.
 */
export class Completions {
  /** Id -> when it was done (ms since the epoch), oldest first. */
  readonly #ids = new Map<string, number>();
  /** Ids done while no connection could take them, appended on the next one. */
  #unrecorded: string[] = [];
  #connection: ChannelModel | undefined;
  #reader: StreamReader | undefined;
  #publisher: ConfirmPublisher | undefined;
  /** Ids waiting to be appended in one message (`BATCH_MS`). */
  #batch: Batch | undefined;
  /** When the first id of `#ids` was done, while it is known (nothing is old enough to forget before it is). */
  #firstAt: number | undefined;
  /** Names this scheduler's own messages in the stream (`appId`): it skips them when it reads them back. */
  readonly #writer = randomUUID();

  constructor(
    readonly topology: Topology,
    readonly options: CompletionsOptions,
  ) {}

  /**
   * Follows the stream on a new connection: appends what was done while disconnected, reads the ids done in the
   * last `windowMs` up to now, and returns what emits 'close' when its reader stops for good.
   */
  async attach(connection: ChannelModel, publisher: ConfirmPublisher): Promise<EventEmitter> {
    const reader = new StreamReader(connection, this.topology.done, (message) => this.#read(message));
    this.#connection = connection;
    this.#reader = reader;
    this.#publisher = publisher;
    const life = await reader.start({ since: Date.now() - this.options.windowMs });
    const unrecorded = this.#unrecorded;
    this.#unrecorded = [];
    if (unrecorded.length > 0) await this.#send(publisher, unrecorded);
    await reader.sync(publisher);
    return life;
  }

  /** Stops following the stream on that connection (it is going); ids done from now on wait for the next one. */
  async detach(connection: ChannelModel): Promise<void> {
    if (this.#connection !== connection) return;
    const reader = this.#reader;
    this.#connection = undefined;
    this.#reader = undefined;
    this.#publisher = undefined;
    await reader?.close();
  }

  /** Whether an event of this id was done within the window, as far as this scheduler has read. */
  has(id: string): boolean {
    // Asked twice per event: the clock is read only for an id found (old ones are forgotten as new ones come).
    const at = this.#ids.get(id);
    return at !== undefined && Date.now() - at <= this.options.windowMs;
  }

  /** Reads what other schedulers appended up to now (before deciding about a redelivered message). */
  async sync(): Promise<void> {
    if (this.#reader !== undefined && this.#publisher !== undefined) await this.#reader.sync(this.#publisher);
  }

  /**
   * Remembers an id done and appends it to the stream; calls `recorded` once the broker has it, or once it is kept
   * for the next connection (this one failed, or the broker did not confirm within 5 s).
   *
   * The ids done within 2 ms go in one message (one line each), and their callbacks are called together once it is
   * confirmed: a busy scheduler appends a few hundred messages a second, not one per event, and holds no promise per
   * event.
   */
  record(id: string, recorded: () => void): void {
    this.#remember(id, Date.now());
    const publisher = this.#publisher;
    if (publisher === undefined) {
      this.#unrecorded.push(id);
      recorded();
      return;
    }
    let batch = this.#batch;
    if (batch === undefined || batch.publisher !== publisher) {
      const next: Batch = { publisher, ids: [], recorded: [] };
      setTimeout(() => void this.#flush(next), BATCH_MS);
      this.#batch = batch = next;
    }
    batch.ids.push(id);
    batch.recorded.push(recorded);
  }

  async #flush(batch: Batch): Promise<void> {
    if (this.#batch === batch) this.#batch = undefined; // ids done from now on go in the next message
    await this.#send(batch.publisher, batch.ids);
    for (const recorded of batch.recorded) recorded();
  }

  async #send(publisher: ConfirmPublisher, ids: string[]): Promise<void> {
    const sent = publisher
      .sendToQueue(this.topology.done, Buffer.from(ids.join('\n')), {
        persistent: true,
        timestamp: Math.floor(Date.now() / 1000),
        appId: this.#writer,
      })
      .then(
        () => 'sent' as const,
        () => 'failed' as const,
      );
    const outcome = await orLate(sent, RECORD_TIMEOUT_MS);
    if (outcome === 'failed') this.#unrecorded.push(...ids);
  }

  #read(message: ConsumeMessage): void {
    if (message.properties.appId === this.#writer) return; // this scheduler's own: remembered when recorded
    const at = message.properties.timestamp as number | undefined; // seconds, as AMQP has it
    for (const id of message.content.toString().split('\n'))
      this.#remember(id, typeof at === 'number' ? at * 1000 : Date.now());
  }

  #remember(id: string, at: number): void {
    // To the end: the Map stays in the order ids were done. The first id may be the one moved or dropped. Set first:
    // a new id (nearly every one) then costs one look-up, not two.
    const size = this.#ids.size;
    this.#ids.set(id, at);
    if (this.#ids.size === size) {
      this.#ids.delete(id);
      this.#ids.set(id, at);
      this.#firstAt = undefined;
    }
    if (this.#ids.size > this.options.maxIds) {
      this.#ids.delete(this.#ids.keys().next().value as string);
      this.#firstAt = undefined;
    }
    this.#forgetOld(at);
  }

  /** Forgets the ids done more than `windowMs` ago, from the oldest on, up to the first that is not. */
  #forgetOld(now: number): void {
    // Once per id done: nothing to look at while the first id is still young (no iterator each time).
    if (this.#firstAt !== undefined && now - this.#firstAt <= this.options.windowMs) return;
    for (const [id, at] of this.#ids) {
      if (now - at <= this.options.windowMs) {
        this.#firstAt = at;
        return;
      }
      this.#ids.delete(id);
    }
    this.#firstAt = undefined;
  }
}
