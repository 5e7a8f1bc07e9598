/** Values kept exactly; past this many, the sketch folds them into a log-scale histogram. */
const EXACT = 2048;
/** Relative accuracy of the histogram: a reported percentile is within 1 % of a value of the right rank. */
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this share the first bucket (reported as the smallest value recorded). */
const LOW = 1e-3;
/** Values above this share the last bucket (reported as the largest value recorded). */
const HIGH = 2 ** 32;
const BUCKETS = Math.ceil(Math.log(HIGH / LOW) / LOG_GAMMA) + 2;

/**
 * Percentiles of a stream of non-negative numbers (waits), in bounded memory: exact, by the nearest-rank method,
 * while it holds at most 2,048 values; beyond that a log-scale histogram with a relative error of at most 1 %
 * (the DDSketch construction: bucket i holds values in (γ^(i-1), γ^i], γ = 1.01/0.99). The count, the minimum and
 * the maximum stay exact. `record` is O(1); `quantile` sorts at most 2,048 values, or scans about 1,500 buckets.
 *
 * @example
 * const waits = new WaitSketch();
 * for (const w of [5, 1, 3]) waits.record(w);
 * waits.quantile(0.5); // 3
 * waits.max; // 5
 */
export class WaitSketch {
  /** The values while at most `EXACT` were recorded; `null` once folded into `#buckets`. */
  #values: Float64Array | null = new Float64Array(8);
  #buckets: Uint32Array | null = null;
  #count = 0;
  #min = Infinity;
  #max = -Infinity;
  /** Whether `#values` is sorted (its first `#count` slots): a second quantile does not sort again. */
  #sorted = true;

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /** The largest value recorded; `NaN` when none. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#max;
  }

  /** The smallest value recorded; `NaN` when none. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#min;
  }

  /** Records a value; negative values count as 0 (a clock that went back), `NaN` is a `TypeError`. */
  record(value: number): void {
    if (Number.isNaN(value)) throw new TypeError('Expected a number to record, got NaN');
    const v = value > 0 ? value : 0;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    const values = this.#values;
    if (values === null) {
      const buckets = this.#buckets as Uint32Array;
      buckets[bucketOf(v)] = (buckets[bucketOf(v)] as number) + 1;
    } else if (this.#count < values.length) {
      values[this.#count] = v;
      this.#sorted = false;
    } else if (values.length < EXACT) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      grown[this.#count] = v;
      this.#values = grown;
      this.#sorted = false;
    } else {
      const buckets = (this.#buckets = new Uint32Array(BUCKETS));
      for (const held of [...values, v]) {
        const i = bucketOf(held);
        buckets[i] = (buckets[i] as number) + 1;
      }
      this.#values = null;
    }
    this.#count++;
  }

  /**
   * The `q`-quantile (0.5: the median, 0.99: p99) by the nearest-rank method: the smallest recorded value that
   * at least a share `q` of the values are less than or equal to. Exact up to 2,048 values, then within 1 %
   * (and never outside [min, max]). `NaN` when nothing was recorded.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`Expected a quantile from 0 to 1, got ${String(q)}`);
    const count = this.#count;
    if (count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * count));
    const values = this.#values;
    if (values !== null) {
      if (!this.#sorted) {
        values.subarray(0, count).sort();
        this.#sorted = true;
      }
      return values[rank - 1] as number;
    }
    if (rank === count) return this.#max; // the extremes are kept exactly
    if (rank === 1) return this.#min;
    const buckets = this.#buckets as Uint32Array;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += buckets[i] as number;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, valueOf(i)));
    }
    return this.#max;
  }

  /** Forgets every value. */
  clear(): void {
    this.#values = new Float64Array(8);
    this.#buckets = null;
    this.#count = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
    this.#sorted = true;
  }
}

function bucketOf(v: number): number {
  if (v <= LOW) return 0;
  if (v >= HIGH) return BUCKETS - 1;
  return Math.min(BUCKETS - 2, Math.max(1, Math.ceil(Math.log(v / LOW) / LOG_GAMMA)));
}

/** A value that is within `ALPHA` of every value in bucket `i` (LOW·(γ^(i-1), γ^i]). */
function valueOf(i: number): number {
  if (i === 0) return 0;
  return (LOW * 2 * GAMMA ** i) / (GAMMA + 1);
}
