import type { NodeExtras, Spender } from './NodeExtras.js';
import type { QueueNode } from './QueueNode.js';
import type { RateHost } from './RateHost.js';
import { TokenBucket, type TokenRate } from './TokenBucket.js';

/**
 * @internal The rates per depth of the branches that `push` creates (`fairMergeMap`'s `rates` with `by`), kept as the
 * root's bucket: after each event taken from the root it gives each branch on the event's path that has no bucket yet
 * its depth's (which spends the event's token); a branch with one spent its token itself, as the event went by.
 */
export class PathRates<T> implements Spender<T> {
  constructor(
    readonly rates: readonly (TokenRate | undefined)[],
    /** How many levels below the root depth 0 is (1 below `byPriority`'s levels). */
    readonly from: number,
    readonly host: RateHost,
  ) {}

  spend(root: QueueNode<T>): void {
    const leaf = (root._extras as NodeExtras<T>).lastTaken as QueueNode<T>;
    let depth = -1 - this.from;
    for (let node = leaf; node !== root; node = node._parent as QueueNode<T>) depth++;
    for (let node = leaf; node !== root; node = node._parent as QueueNode<T>, depth--) {
      const ext = node._extras as NodeExtras<T>; // a counted path has extras
      const rate = depth >= 0 ? this.rates[depth] : undefined;
      if (rate !== undefined && ext.bucket === null && node._auto) {
        const bucket = new TokenBucket<T>(rate, this.host, true);
        ext.bucket = bucket;
        bucket.spend(node, true);
      }
    }
  }
}
