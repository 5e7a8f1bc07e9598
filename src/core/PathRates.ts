import type { NodeExtras, Spender } from './NodeExtras.js';
import type { QueueNode } from './QueueNode.js';
import type { RateHost } from './RateHost.js';
import { TokenBucket, type Lingering, type TokenRate } from './TokenBucket.js';

/**
 * @internal The rates per depth of the branches that `push` creates (`fairMergeMap`'s `rates` with `by`), kept as the
 * root's bucket: after each event taken from the root it gives each branch on the event's path that has no bucket yet
 * its depth's (which spends the event's token); a branch with one spent its token itself, as the event went by.
 *
 * It also keeps the empty branches whose buckets are not full yet, and drops each bucket once full (the branch is then
 * pruned as usual), with one wake-up at a time for all of them: a stream whose leaves empty after every event would
 * otherwise schedule a timer per event.
 */
export class PathRates<T> implements Spender<T>, Lingering<T> {
  /** Empty branches whose buckets are not full yet, with their buckets. */
  readonly #lingering = new Map<QueueNode<T>, TokenBucket<T>>();
  #timer: { unsubscribe(): void } | null = null;
  #stopped = false;

  constructor(
    readonly rates: readonly (TokenRate | undefined)[],
    /** How many levels below the root depth 0 is (1 below `byPriority`'s levels). */
    readonly from: number,
    readonly host: RateHost,
  ) {
    host.subscriber.add(() => {
      this.#stopped = true;
      this.#timer?.unsubscribe();
    });
  }

  spend(root: QueueNode<T>): void {
    const leaf = (root._extras as NodeExtras<T>).lastTaken as QueueNode<T>;
    let depth = -1 - this.from;
    for (let node = leaf; node !== root; node = node._parent as QueueNode<T>) depth++;
    for (let node = leaf; node !== root; node = node._parent as QueueNode<T>, depth--) {
      const ext = node._extras as NodeExtras<T>; // a counted path has extras
      const rate = depth >= 0 ? this.rates[depth] : undefined;
      if (rate !== undefined && ext.bucket === null && node._auto) {
        const bucket = new TokenBucket<T>(rate, this.host, this);
        ext.bucket = bucket;
        bucket.spend(node, true);
      }
    }
  }

  linger(node: QueueNode<T>, bucket: TokenBucket<T>): void {
    this.#lingering.set(node, bucket);
    if (this.#timer === null && !this.#stopped) this.#arm(bucket);
  }

  /** One wake-up for all: when `bucket` is full again, on its clock. */
  #arm(bucket: TokenBucket<T>): void {
    const clock = bucket.rate.clock;
    this.#timer = clock.schedule(() => this.#sweep(), Math.max(0, Math.ceil(bucket.fullAt() - clock.now())));
  }

  /** Drops the full buckets of empty branches (which may then be pruned), and waits for the latest of the others. */
  #sweep(): void {
    this.#timer = null;
    let latest: TokenBucket<T> | null = null;
    for (const [node, bucket] of this.#lingering) {
      const ext = node._extras;
      if (ext === null || ext.bucket !== bucket || node._parent === null || node._readyBelow || ext.throttled) {
        this.#lingering.delete(node); // gone, busy again (its next spend reports it), or waiting for its token
      } else if (bucket.full(bucket.rate.clock.now())) {
        this.#lingering.delete(node);
        ext.bucket = null; // as a new one: the branch may be pruned now
        node._parent._childIdle(node);
      } else if (latest === null || bucket.fullAt() > latest.fullAt()) latest = bucket;
    }
    if (latest !== null) this.#arm(latest);
  }
}
