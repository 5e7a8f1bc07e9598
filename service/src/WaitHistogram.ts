/** Buckets per power of two: a bucket spans a factor of 2^(1/4) ≈ 1.19, so a reported wait is within ±9 %. */
const PER_OCTAVE = 4;
/** Waits of 2^24 ms (4.7 hours) and more share the last bucket. */
const OCTAVES = 24;
const BUCKETS = 1 + PER_OCTAVE * OCTAVES + 1;

/** Percentiles of the waits in the window, in ms; `undefined` fields when nothing was recorded. */
export interface WaitSummary {
  /** Waits recorded in the window. */
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Exact, unlike the percentiles. */
  readonly max: number;
}

/**
 * The waits of one host over the last one to two windows, in constant memory: a log-scale histogram (four buckets per
 * power of two, 0-1 ms in the first) for the current window and one for the previous, swapped as time passes. A
 * record is O(1); a summary is O(buckets). Percentiles are the geometric middle of their bucket (within ±9 %), never
 * above the exact maximum; waits under 1 ms are reported as 0.
 */
export class WaitHistogram {
  readonly windowMs: number;
  #current = new Uint32Array(BUCKETS);
  #previous = new Uint32Array(BUCKETS);
  #currentCount = 0;
  #previousCount = 0;
  #currentMax = 0;
  #previousMax = 0;
  /** When the current window began (ms, in the clock given to `record` and `summary`). */
  #start: number | undefined;

  /** @param windowMs how long a window lasts: the summary covers the last `windowMs` to `2 * windowMs`. */
  constructor(windowMs = 30_000) {
    if (!(windowMs > 0)) throw new TypeError(`Expected \`windowMs\` to be a positive number, got ${String(windowMs)}`);
    this.windowMs = windowMs;
  }

  record(waitMs: number, now: number): void {
    this.#rotate(now);
    const wait = waitMs > 0 ? waitMs : 0;
    (this.#current[bucketOf(wait)] as number)++;
    this.#currentCount++;
    if (wait > this.#currentMax) this.#currentMax = wait;
  }

  /** Percentiles over the current and the previous window; `undefined` when both are empty. */
  summary(now: number): WaitSummary | undefined {
    this.#rotate(now);
    const count = this.#currentCount + this.#previousCount;
    if (count === 0) return undefined;
    const max = Math.max(this.#currentMax, this.#previousMax);
    const targets = [0.5, 0.9, 0.99].map((q) => Math.max(1, Math.ceil(q * count)));
    const found: number[] = [];
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS && found.length < targets.length; bucket++) {
      seen += (this.#current[bucket] as number) + (this.#previous[bucket] as number);
      while (found.length < targets.length && seen >= (targets[found.length] as number))
        found.push(Math.min(middleOf(bucket), max));
    }
    const [p50 = max, p90 = max, p99 = max] = found;
    return { count, p50, p90, p99, max };
  }

  #rotate(now: number): void {
    if (this.#start === undefined) {
      this.#start = now;
      return;
    }
    const elapsed = now - this.#start;
    if (elapsed < this.windowMs) return;
    if (elapsed >= 2 * this.windowMs) {
      this.#previous.fill(0);
      this.#previousCount = 0;
      this.#previousMax = 0;
    } else {
      const previous = this.#previous;
      this.#previous = this.#current;
      this.#previousCount = this.#currentCount;
      this.#previousMax = this.#currentMax;
      this.#current = previous;
    }
    this.#current.fill(0);
    this.#currentCount = 0;
    this.#currentMax = 0;
    this.#start = now;
  }
}

function bucketOf(waitMs: number): number {
  if (waitMs < 1) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(waitMs) * PER_OCTAVE));
}

/** The geometric middle of a bucket: bucket b ≥ 1 spans [2^((b-1)/4), 2^(b/4)) ms. */
function middleOf(bucket: number): number {
  if (bucket === 0) return 0;
  return 2 ** ((bucket - 0.5) / PER_OCTAVE);
}
