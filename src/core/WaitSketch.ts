/** Values kept exactly; past this many, the sketch folds them into a log-linear histogram. */
const EXACT = 2048;
/** Histogram buckets per power of two: a bucket spans 1/64 of its octave, so its middle is within 0.8 %. */
const SUB_BITS = 6;
/** The smallest octave with buckets of its own (2^-10, about 0.001); smaller values share bucket 0. */
const MIN_EXP = -10;
/** Values of 2^32 and more share the last bucket. */
const MAX_EXP = 32;
const BUCKETS = (MAX_EXP - MIN_EXP) << SUB_BITS;
/** Reads a double's exponent and mantissa bits without `Math.log` (a record is then a few integer operations). */
// Marked pure: bundlers take `new` as a side effect, which would keep these in bundles that never use WaitSketch.
const float = /* @__PURE__ */ new Float64Array(1);
const bits = /* @__PURE__ */ wordsOf(float); // a call: reading `float.buffer` here would count as a side effect
const HI = /* @__PURE__ */ highWordIndex();

function wordsOf(doubles: Float64Array): Uint32Array {
  return new Uint32Array(doubles.buffer);
}

/** The index of a double's high word in `bits` (endianness). */
function highWordIndex(): 0 | 1 {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
}

/**
 * Percentiles of some waits (or any non-negative numbers), by the nearest-rank method, as `WaitSketch.percentiles`
 * reads them: the shape every wait figure of the library, its demo and its service takes.
 */
export interface WaitPercentiles {
  /** Waits counted. */
  readonly count: number;
  /** The median: the smallest wait that at least half of the waits are less than or equal to. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** The largest wait: always exact. */
  readonly max: number;
}

/**
 * Percentiles of a stream of non-negative numbers (waits), in bounded memory: exact, by the nearest-rank method,
 * while it holds at most 2,048 values; beyond that a log-linear histogram (64 buckets per power of two, read
 * from the bits of the double) with a relative error under 1 %. The count, the minimum and the maximum stay
 * exact. `record` is O(1); `quantile` sorts at most 2,048 values, or scans 2,688 buckets.
 *
 * @example
 * const waits = new WaitSketch();
 * for (const w of [5, 1, 3]) waits.record(w);
 * waits.quantile(0.5); // 3
 * waits.max; // 5
 * waits.percentiles(); // { count: 3, p50: 3, p90: 5, p99: 5, max: 5 }
 */
export class WaitSketch {
  /**
   * The values while at most `EXACT` were recorded; `null` once folded into `#buckets`. A plain array of doubles:
   * a sketch per key of a wide tree holds a few values, and a typed array costs several objects more to make.
   */
  #values: number[] | null = [];
  #buckets: Uint32Array | null = null;
  #count = 0;
  #min = Infinity;
  #max = -Infinity;
  /** Whether `#values` is sorted: a second quantile does not sort again. */
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
      const i = bucketOf(v);
      buckets[i] = (buckets[i] as number) + 1;
    } else if (values.length < EXACT) {
      values.push(v);
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
        values.sort(ascending);
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

  /**
   * The count, p50, p90, p99 and maximum in one read (each as `quantile` gives it: exact up to 2,048 values, then
   * within 1 %; the count and the maximum always exact); `null` when nothing was recorded.
   */
  percentiles(): WaitPercentiles | null {
    if (this.#count === 0) return null;
    return {
      count: this.#count,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.#max,
    };
  }

  /** Forgets every value. */
  clear(): void {
    this.#values = [];
    this.#buckets = null;
    this.#count = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
    this.#sorted = true;
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

function bucketOf(v: number): number {
  float[0] = v;
  const hi = bits[HI] as number;
  const exp = ((hi >>> 20) & 0x7ff) - 1023; // v = 2^exp · 1.m
  if (exp < MIN_EXP) return 0;
  if (exp >= MAX_EXP) return BUCKETS - 1;
  return ((exp - MIN_EXP) << SUB_BITS) | ((hi >>> (20 - SUB_BITS)) & ((1 << SUB_BITS) - 1));
}

/** The middle of bucket `i`: within 1/128 of every value in it. */
function valueOf(i: number): number {
  if (i === 0) return 0;
  const exp = (i >>> SUB_BITS) + MIN_EXP;
  const sub = i & ((1 << SUB_BITS) - 1);
  return 2 ** exp * (1 + (sub + 0.5) / (1 << SUB_BITS));
}
