import { Subject, type Subscription } from 'rxjs';
import { FairStats, type FairSnapshot } from 'rxjs-fair';

/**
 * The library's `FairStats` of one session's dispatch (depth 2: hosts and their VMs), watched only while someone
 * reads it: a live snapshot subscription times every event (two clock reads and a few map updates, about a tenth of
 * the scheduler's CPU in a drain of no-op actions), which a scheduler nobody asks would pay for nothing. The first
 * `read` opens a window, so its snapshot has the tree's queued and running counts but no dispatch yet; each later one
 * closes the window since the one before. `closeUnread` ends the watch once nobody has read for a while.
 */
export class FairStatsWatch<T> {
  /** Given to the dispatch (`fairMergeMap`'s `stats`): it costs nothing while not watched. */
  readonly stats = new FairStats<T>({ depth: 2 });
  readonly #tick = new Subject<void>();
  #watch: Subscription | undefined;
  #last: FairSnapshot | null = null;
  /** When it was last read (ms, the clock given to `read`). */
  #readAt = 0;

  /** The snapshot of the window since the previous read, or of an empty one opened now. */
  read(now: number): FairSnapshot | null {
    this.#readAt = now;
    this.#watch ??= this.stats.snapshots(this.#tick).subscribe((snapshot) => (this.#last = snapshot));
    this.#tick.next();
    return this.#last;
  }

  /** Stops watching when nobody has read for `idleMs`: its per-host entries go, and events are no longer timed. */
  closeUnread(now: number, idleMs: number): void {
    if (now - this.#readAt > idleMs) this.close();
  }

  close(): void {
    this.#watch?.unsubscribe();
    this.#watch = undefined;
    this.#last = null;
  }
}
