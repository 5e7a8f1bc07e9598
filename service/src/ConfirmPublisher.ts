import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Publishes on a confirm channel and tells when the broker has the message: each `publish` returns a Promise that
 * settles with the broker's confirm. Publishes are pipelined, so a batch costs about one round trip instead of one
 * per message. A loop that publishes a lot calls `await ready()` between publishes: it waits while the channel's
 * buffer is full or `window` messages are still unconfirmed.
 */
export class ConfirmPublisher {
  /** When each message not yet confirmed was published (ms), oldest first, by a number of its own. */
  readonly #sentAt = new Map<number, number>();
  #sent = 0;
  /** Whether the channel's write buffer is full (publish returned false) until its `drain`. */
  #full = false;
  /** Callers of `ready()` waiting for room. */
  #waiting: (() => void)[] = [];
  #closed: Error | undefined;

  constructor(
    readonly channel: ConfirmChannel,
    /** Most messages in flight before `ready()` waits. */
    readonly window = 2000,
  ) {
    channel.on('drain', () => {
      this.#full = false;
      this.#wake();
    });
    channel.on('close', () => {
      this.#closed ??= new Error('the broker channel closed');
      this.#full = false;
      this.#wake();
    });
  }

  /** Messages published and not yet confirmed. */
  get pending(): number {
    return this.#sentAt.size;
  }

  /** How long (ms) the oldest message not yet confirmed has waited for its confirm; 0 when none waits. */
  oldestPending(now = Date.now()): number {
    for (const at of this.#sentAt.values()) return now - at;
    return 0;
  }

  /** Resolves once there is room for another publish (at once, usually). */
  ready(): Promise<void> {
    if (!this.#full && this.#sentAt.size < this.window) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Resolves once the broker confirmed the message; rejects if it nacked it or the channel closed first. */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const sent = this.#sent++;
    this.#sentAt.set(sent, Date.now());
    return new Promise<void>((resolve, reject) => {
      const settle = (err: unknown) => {
        this.#sentAt.delete(sent);
        this.#wake();
        if (err === null || err === undefined) resolve();
        else
          reject(
            err instanceof Error ? err : new Error(`the broker did not confirm a message to ${exchange || routingKey}`),
          );
      };
      try {
        if (!this.channel.publish(exchange, routingKey, content, options, settle)) this.#full = true;
      } catch (error) {
        settle(error);
      }
    });
  }

  /** Publishes straight into a queue (through the default exchange). */
  sendToQueue(queue: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    return this.publish('', queue, content, options);
  }

  #wake(): void {
    if (this.#waiting.length === 0) return;
    if (this.#closed === undefined && (this.#full || this.#sentAt.size >= this.window)) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
