/**
 * Jain's fairness index of some shares, (Σx)² / (n·Σx²): 1 when every share is equal, 1/n when one of n gets
 * everything. A share is what each party got (dispatches, a rate), divided by its weight when the parties are
 * weighted. `null` when there are no shares, or all are 0: nobody got anything, and whether that is fair is the
 * caller's call (`FairStats` counts it as 1, the service's dashboard shows no figure).
 *
 * @example
 * jainIndex([5, 5, 5, 5]); // 1
 * jainIndex([8, 0, 0, 0]); // 0.25
 * jainIndex([1, 3]); // 0.8
 * jainIndex([0, 0]); // null
 */
export function jainIndex(shares: readonly number[]): number | null {
  let sum = 0;
  let squares = 0;
  for (const x of shares) {
    sum += x;
    squares += x * x;
  }
  return squares === 0 ? null : (sum * sum) / (shares.length * squares);
}
