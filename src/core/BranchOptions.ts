import type { Bound } from './BoundedFifoQueueOptions.js';
import { checkPositiveInteger, describeValue } from './checks.js';
import { extrasOf } from './NodeExtras.js';
import type { QueueNode } from './QueueNode.js';

/**
 * @internal How `RoundRobinQueue.push` sets up the branches it creates below a node (its `pathWeight`, `pathCaps` and
 * `pathBound` options, checked). Kept in the node's extras only when it changes something: without it `push` builds
 * plain branches (weight 1, no caps, unbounded leaves).
 */
export interface BranchOptions {
  readonly weight: ((path: readonly unknown[], depth: number) => number) | undefined;
  readonly caps: readonly number[] | undefined;
  /**
   * The bound of the leaves `push` creates (`never`: any node's, so that `QueueNode<T>` stays a `QueueNode<unknown>`);
   * `undefined`: unbounded `FifoQueue`s.
   */
  readonly bound?: Bound<never> | undefined;
}

/** @internal The weights of the branches `push` creates at `path[from]` and below; `null` when all are 1. */
export function branchWeights(branches: BranchOptions, path: readonly unknown[], from: number): number[] | null {
  const weightOf = branches.weight;
  if (weightOf === undefined) return null;
  const weights: number[] = [];
  for (let d = from; d < path.length; d++) weights.push(askWeight(weightOf, path, d));
  return weights;
}

/**
 * @internal Sets up a spare `child` at `path[depth]` again, as if `push` built it anew: its weight is asked again
 * (`pathWeight`, else 1) and its cap is the one of its depth (`setCap` and `setWeight` may have changed them while it
 * was in sight); nothing is counted in a spare. A `pathWeight` that throws leaves the spare as it was.
 */
export function setUpSpare<T>(
  child: QueueNode<T>,
  path: readonly unknown[],
  depth: number,
  branches: BranchOptions | null,
): void {
  const weightOf = branches === null ? undefined : branches.weight;
  const weight = weightOf === undefined ? 1 : askWeight(weightOf, path, depth);
  const cap = branches === null || branches.caps === undefined ? undefined : branches.caps[depth];
  let extras = child._extras;
  if (extras === null) {
    if (weight === 1 && cap === undefined) return;
    extras = extrasOf(child); // and its ancestors', if missing
  }
  extras.weight = weight;
  extras.turnsUsed = 0;
  extras.cap = cap ?? Infinity; // nothing counted: open under any cap, so no parent needs telling
  extras.lastTaken = null;
}

/** `pathWeight`'s answer for the branch at `path[depth]`, checked. */
function askWeight(
  weightOf: (path: readonly unknown[], depth: number) => number,
  path: readonly unknown[],
  depth: number,
): number {
  const at = path.slice(0, depth + 1);
  const weight = weightOf(at, depth);
  checkPositiveInteger(weight, `the weight of ${describeValue(at)}`);
  return weight;
}
