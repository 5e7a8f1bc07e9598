import { WaitSketch, type WaitPercentiles } from 'rxjs-fair';

/**
 * The waits of one host over the last one to two windows, by the library's `WaitSketch` (nearest-rank percentiles,
 * exact up to 2,048 waits, then within 1 %; the count and the maximum always exact). Two sketches: `#current`, the
 * waits of the window under way, and `#recent`, those of the previous window and the current one together, which is
 * what a summary reads; when a window ends, `#recent` restarts from `#current`'s waits. A record is O(1) (two
 * sketch records); a summary scans one sketch.
 */
export class WaitWindow {
  readonly windowMs: number;
  /** The waits since `#start`. */
  #current = new WaitSketch();
  /** The waits of the previous window and of the current one. */
  #recent = new WaitSketch();
  /** When the current window began (ms, in the clock given to `record` and `summary`). */
  #start: number | undefined;

  /** @param windowMs how long a window lasts: the summary covers the last `windowMs` to `2 * windowMs`. */
  constructor(windowMs = 30_000) {
    if (!(windowMs > 0)) throw new TypeError(`Expected \`windowMs\` to be a positive number, got ${String(windowMs)}`);
    this.windowMs = windowMs;
  }

  /** Records a wait in ms (a negative one counts as 0). */
  record(waitMs: number, now: number): void {
    this.#rotate(now);
    this.#current.record(waitMs);
    this.#recent.record(waitMs);
  }

  /** Percentiles over the current and the previous window; `null` when both are empty. */
  summary(now: number): WaitPercentiles | null {
    this.#rotate(now);
    return this.#recent.percentiles();
  }

  #rotate(now: number): void {
    if (this.#start === undefined) {
      this.#start = now;
      return;
    }
    const elapsed = now - this.#start;
    if (elapsed < this.windowMs) return;
    // The current window becomes the previous one: the recent waits are its waits. A sketch is not copied: the two
    // swap, and the one that held both windows starts the new current window empty.
    const ended = this.#current;
    this.#current = this.#recent;
    this.#current.clear();
    this.#recent = ended;
    if (elapsed >= 2 * this.windowMs) this.#recent.clear(); // the previous window saw nothing either
    this.#start = now;
  }
}
