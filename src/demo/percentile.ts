/**
 * The `p`-th percentile of values sorted in ascending order, by the nearest-rank method: the smallest value
 * that at least `p`% of the values are less than or equal to. Always one of the values (never interpolated);
 * NaN when there are none.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 * percentile([1, 2, 3, 4], 99); // 4
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Expected a percentile from 0 to 100, got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}
