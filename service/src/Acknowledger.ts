import type { Channel, ConsumeMessage, Options, Replies } from 'amqplib';

/** What settles a message on the channel it came on: an amqplib `Channel`, or an `Acknowledger` over one. */
export interface Settles {
  ack(message: ConsumeMessage): void;
  /** Acknowledges without waiting for a run: the broker should refill its place at once (a message moved elsewhere). */
  ackNow(message: ConsumeMessage): void;
  nack(message: ConsumeMessage, allUpTo?: boolean, requeue?: boolean): void;
}

/**
 * How long an acknowledgement waits at most (between once and twice this, in ms) for the messages delivered before it
 * to be acknowledged too, so that one frame acknowledges them all.
 */
const DEFER_MS = 5;

/**
 * Acknowledges the messages of one channel several at once where it can: a broker settles each acknowledgement frame
 * on its own (for a quorum queue, a command through its log), so one frame with `multiple` for a run of messages costs
 * it a fraction of one frame each (half its CPU per message, measured on a drain of quorum queues).
 *
 * A frame with `multiple` acknowledges every message delivered on the channel up to its tag, so this one sees every
 * delivery (`consume` here, never on the channel itself) and sends one only for a run of messages all acknowledged
 * here: a message not settled yet, or handed back, is never covered. An acknowledgement behind such a message waits
 * for it at most `DEFER_MS` to `2 × DEFER_MS`, then goes alone, and at once while the same message has held runs back
 * for a whole tick (an event waiting long for its turn: waiting behind it only keeps the broker from delivering);
 * `blocked` hears of a message that holds others back (a shard's token, renewed by its owner). Nothing is acknowledged
 * earlier than it was asked, only some of it later: `flush` sends what waits (before the channel closes).
 */
export class Acknowledger implements Settles {
  /** Delivered and not yet acknowledged to the broker, by tag, in the order of delivery. */
  readonly #open = new Map<number, ConsumeMessage>();
  /** Tags of `#open` acknowledged here, waiting to go in a frame. */
  readonly #acked = new Set<number>();
  /** Acknowledged here since the last flush; `#now`: those given to `ackNow`. */
  #fresh: ConsumeMessage[] = [];
  #now: ConsumeMessage[] = [];
  /** Acknowledged here but behind an open message: since the last tick of the timer, and since the one before. */
  #young: ConsumeMessage[] = [];
  #old: ConsumeMessage[] = [];
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  /** The oldest open message at the last tick; `#stuck` while it has been the oldest for a whole tick since. */
  #oldestAtTick: ConsumeMessage | undefined;
  #stuck = false;
  /**
   * Told of the oldest open message when it held back acknowledgements of this turn of the event loop, and how many
   * (at most once per turn).
   */
  blocked: ((message: ConsumeMessage, waiting: number) => void) | undefined;

  constructor(readonly channel: Channel) {}

  /** `channel.consume`, each message delivered seen here first (not a `noAck` consumer's: nothing to settle). */
  consume(
    queue: string,
    onMessage: (message: ConsumeMessage | null) => void,
    options?: Options.Consume,
  ): Promise<Replies.Consume> {
    if (options?.noAck === true) return this.channel.consume(queue, onMessage, options);
    return this.channel.consume(
      queue,
      (message) => {
        if (message !== null) this.#open.set(message.fields.deliveryTag, message);
        onMessage(message);
      },
      options,
    );
  }

  ack(message: ConsumeMessage): void {
    this.#acknowledge(message, this.#fresh);
  }

  /**
   * Acknowledges at the end of this turn of the event loop, in the run it ends or alone, never waiting for the
   * messages before it: for a message whose place the broker should fill at once (one moved to another queue, which
   * frees the read-ahead of a shard that a noisy backlog holds up).
   */
  ackNow(message: ConsumeMessage): void {
    this.#acknowledge(message, this.#now);
  }

  /** Marks a message acknowledged, listed in `#fresh` or `#now` for the end of the turn. */
  #acknowledge(message: ConsumeMessage, list: ConsumeMessage[]): void {
    const tag = message.fields.deliveryTag;
    if (!this.#open.has(tag)) return this.channel.ack(message); // not seen here: alone, at once
    this.#acked.add(tag);
    list.push(message);
    this.#schedule();
  }

  /** Hands a message back, at once (never several: `allUpTo` is refused). */
  nack(message: ConsumeMessage, allUpTo = false, requeue = true): void {
    if (allUpTo) throw new TypeError('Expected a nack of one message: a run is not tracked');
    const tag = message.fields.deliveryTag;
    this.#open.delete(tag);
    this.#acked.delete(tag);
    this.channel.nack(message, false, requeue);
    if (this.#acked.size > 0) this.#schedule(); // it may have held back acknowledgements
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flushRuns());
  }

  /** Sends every acknowledgement waiting here (the channel is about to close). */
  flush(): void {
    this.#sending(() => {
      this.#sendRun();
      for (const message of this.#open.values())
        if (this.#acked.has(message.fields.deliveryTag)) this.#sendOne(message);
    });
    this.#forget();
  }

  /** Acknowledges the run of acknowledged messages at the head of `#open` in one frame; the others wait their turn. */
  #flushRuns(): void {
    this.#scheduled = false;
    const now = this.#now;
    this.#now = [];
    const ran = this.#sending(() => {
      this.#sendRun();
      for (const message of now) if (this.#acked.has(message.fields.deliveryTag)) this.#sendOne(message);
    });
    if (!ran) return;
    const fresh = this.#fresh;
    this.#fresh = [];
    // Behind a message that has held runs back for a tick already (an event that waits long for its turn), what is
    // acknowledged goes alone at once: waiting would only keep the broker from delivering in its place.
    const stuck = this.#stuck && this.#open.values().next().value === this.#oldestAtTick;
    let behind = 0;
    const sent = this.#sending(() => {
      for (const message of fresh)
        if (this.#acked.has(message.fields.deliveryTag)) {
          behind++;
          if (stuck) this.#sendOne(message);
          else this.#young.push(message);
        }
    });
    if (!sent || behind === 0) return;
    this.blocked?.(this.#open.values().next().value as ConsumeMessage, behind);
    if (this.#acked.size > 0) this.#timer ??= setInterval(() => this.#tick(), DEFER_MS).unref();
  }

  /** Acknowledges alone what waited a whole tick; stops ticking once nothing waits. */
  #tick(): void {
    const oldest = this.#open.values().next().value as ConsumeMessage | undefined;
    this.#stuck = oldest !== undefined && oldest === this.#oldestAtTick;
    this.#oldestAtTick = oldest;
    const old = this.#old;
    const sent = this.#sending(() => {
      for (const message of old) if (this.#acked.has(message.fields.deliveryTag)) this.#sendOne(message);
    });
    if (!sent) return;
    this.#old = this.#young.filter((message) => this.#acked.has(message.fields.deliveryTag));
    this.#young = [];
    if (this.#old.length === 0 && this.#acked.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#oldestAtTick = undefined;
      this.#stuck = false;
    }
  }

  /** Runs `send`; false if the channel is closed, with everything forgotten (the broker delivers it all again). */
  #sending(send: () => void): boolean {
    try {
      send();
      return true;
    } catch {
      this.#forget();
      return false;
    }
  }

  #forget(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#oldestAtTick = undefined;
    this.#stuck = false;
    this.#open.clear();
    this.#acked.clear();
    this.#fresh = [];
    this.#now = [];
    this.#young = [];
    this.#old = [];
  }

  #sendRun(): void {
    let last: ConsumeMessage | undefined;
    for (const [tag, message] of this.#open) {
      if (!this.#acked.has(tag)) break;
      this.#open.delete(tag);
      this.#acked.delete(tag);
      last = message;
    }
    if (last !== undefined) this.channel.ack(last, true);
  }

  #sendOne(message: ConsumeMessage): void {
    const tag = message.fields.deliveryTag;
    this.#open.delete(tag);
    this.#acked.delete(tag);
    this.channel.ack(message);
  }
}
