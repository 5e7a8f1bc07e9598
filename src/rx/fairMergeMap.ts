import { Observable, type ObservableInput, type ObservedValueOf, type OperatorFunction } from 'rxjs';
import type { RateLimit } from './RateLimit.js';
import {
  checkArray,
  checkFunction,
  checkLimit,
  checkLimits,
  checkOptionsObject,
  checkRate,
  describeValue,
} from '../core/checks.js';
import type { RoundRobinQueueOptions } from '../core/RoundRobinQueueOptions.js';
import { connectFairNode, statsHostOf } from './brands.js';
import { CostDispatcher } from './CostDispatcher.js';
import { dispatch, runDispatcher } from './dispatchInternals.js';
import type { FairSink, Project } from './fairProtocol.js';
// Types only: a bundle that never builds a FairStats leaves its code out.
import type { FairStats } from './FairStats.js';
import { FlatSource } from './FlatSource.js';
import { checkLeafBound, type LeafBound } from './LeafBound.js';
// Types only: a bundle that never calls byPriority leaves the priority node out.
import type { ByPriority } from './byPriority.js';

export interface FairMergeMapOptions<T> {
  /**
   * The most projections active at once. The next event is picked only when one of them completes.
   * @default Infinity
   */
  readonly concurrency?: number;
  /**
   * The key path of an event, outermost first (`e => [e.host, e.vm, e.policy]`). Given, the operator builds the
   * round-robin tree from the paths of a flat stream and prunes branches once they are empty.
   */
  readonly by?: (value: T) => readonly unknown[];
  /**
   * With `by`: the weight of the branch at `path[depth]` (`depth` 0: the first key), the turns in a row it gets at
   * the front of its parent's rotation. Asked when the branch is created, so again once it was pruned (or kept for
   * reuse) and comes back. A throw, or an answer that is not a positive integer, errors the output.
   * @default () => 1
   */
  readonly weight?: (path: readonly unknown[], depth: number) => number;
  /**
   * With `by`: the most active projections below each branch, per depth (`[2, 1]` with `by: e => [e.host, e.vm,
   * e.policy]`: at most 2 per host and 1 per VM). A branch at its cap waits; the others keep the slots busy.
   * Missing depths (or `Infinity`) have no cap.
   * @default []
   */
  readonly caps?: readonly number[];
  /**
   * The slots of `concurrency` an event takes while its projection runs (an expensive migration: 4). Asked once
   * per event, when it is about to be dispatched. An event that costs more than the free slots is held until
   * enough are free, and nothing overtakes it: the rotation order is kept. A cost above `concurrency` counts as
   * `concurrency` (the event runs alone). A throw, or an answer that is not a positive integer, errors the output.
   * Caps still count events, not slots.
   * @default () => 1
   */
  readonly cost?: (value: T) => number;
  /**
   * A bound on every leaf `by` creates (the `dropped` path is the event's key path), or, without `by`, on the
   * operator's own FIFO (path `[]`): a bounded `mergeMap`. Events dispatched at once never meet it. Not for a
   * `roundRobin` source (the output errors): give its leaves `bounds` there. See {@link LeafBound}.
   * @default unbounded
   */
  readonly bound?: LeafBound<T>;
  /**
   * Live stats of this operator's subscription (queued and active per node, dispatches, waits, Jain's fairness
   * index), read with `stats.snapshots(notifier)`. Costs nothing while no `snapshots` subscription is live. One
   * `FairStats` watches one subscription at a time: a second one errors.
   */
  readonly stats?: FairStats<NoInfer<T>>;
  /**
   * Priority levels above the key path, made by {@link byPriority}: the tree's root serves the first level with a
   * ready event, each level holding a `by` tree of its own (without `by`, a FIFO). Not for a `roundRobin` source
   * (the output errors): put `priority` nodes in its tree.
   * @default no levels
   */
  readonly priority?: ByPriority<NoInfer<T>>;
  /**
   * With `by`: a rate limit per depth (`[perHost]` with `by: e => [e.host, e.vm]`: each host at most as fast as
   * `perHost` allows; `[undefined, perVm]` limits VMs only). Each branch gets a token bucket of its own, kept until it
   * is full again (so a branch that empties and returns finds its tokens spent). A branch out of tokens waits; the
   * others keep the slots busy. See {@link RateLimit}.
   * @default no rate limits
   */
  readonly rates?: readonly (RateLimit | undefined)[];
}

/**
 * `mergeMap` with fair dispatch: projects each event to an Observable (or Promise, array, iterable) with at most
 * `concurrency` of them active, and picks the next event in round-robin order over its keys only when a slot frees.
 *
 * - Applied to a {@link roundRobin} node, it pulls from the node's tree; the backlog waits in the leaves.
 * - With `by`, it builds that tree from each event's key path, so any flat stream gets the same fairness.
 * - On any other stream it is a first-in first-out `mergeMap`, with a ring buffer instead of an array backlog.
 * - With `bound`, each leaf (or the FIFO) queues at most `size` events; dropped and replaced ones are reported
 *   on `bound.dropped`, never lost silently.
 * - With `cost`, an event may take several of the `concurrency` slots; the order stays the same (see the option).
 *
 * Errors of the sources and the projections error the output, as in `mergeMap`; catch inside `project` to keep
 * the others running. Completes once the sources completed, nothing is queued and every projection completed.
 *
 * ```
 * heal:   w(abc)-----------|    concurrency 1, each projection emits its value 2 frames later, then completes
 * scale:  -(xy)------------|
 * output: --w-a-x-b-y-c----|    while w runs, both leaves queue; then the rotation alternates
 * ```
 *
 * @example
 * events$.pipe(fairMergeMap((e) => heal(e), { concurrency: 16, by: (e) => [e.host, e.vm, e.policy] }))
 *   .subscribe((result) => console.log(result));
 */
export function fairMergeMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  concurrencyOrOptions: number | FairMergeMapOptions<T> = Infinity,
): OperatorFunction<T, ObservedValueOf<O>> {
  checkFunction(project, '`project`');
  const options =
    typeof concurrencyOrOptions === 'number' ? { concurrency: concurrencyOrOptions } : concurrencyOrOptions;
  checkOptionsObject(options, 'a concurrency or an options object');
  const { concurrency = Infinity, by, weight, caps, cost } = options;
  checkLimit(concurrency, '`concurrency`');
  if (by !== undefined) checkFunction(by, '`by`');
  if (weight !== undefined) checkFunction(weight, '`weight`');
  if (caps !== undefined) checkLimits(caps, 'caps');
  if (cost !== undefined) checkFunction(cost, '`cost`');
  // By its brand, not `instanceof`: the FairStats may come from the other build (ESM or CJS) of this library.
  const stats = options.stats === undefined ? undefined : statsHostOf(options.stats);
  const { rates } = options;
  if (rates !== undefined) {
    checkArray(rates, '`rates`');
    rates.forEach((rate, depth) => rate === undefined || checkRate(rate, `\`rates[${depth}]\``));
  }
  if (by === undefined && (weight !== undefined || caps !== undefined || rates !== undefined)) {
    throw new TypeError('Expected `by` with `weight`, `caps` or `rates`: they set up the branches `by` creates');
  }
  const bound = options.bound === undefined ? undefined : checkLeafBound<T>(options.bound, '');
  const levels = options.priority;
  if (levels !== undefined && typeof (levels as Partial<ByPriority<T>> | null)?._root !== 'function') {
    throw new TypeError(`Expected \`priority\` to be made by byPriority, got ${describeValue(levels)}`);
  }
  const tree: RoundRobinQueueOptions<unknown, T> = {
    pathWeight: weight,
    pathCaps: caps === undefined ? undefined : [...caps],
    spares: BY_SPARES,
  };

  type R = ObservedValueOf<O>;
  const fairProject = project as unknown as Project<T, R>;
  return (source) =>
    new Observable<R>((subscriber) => {
      // A node is recognised by its brand, so one built by the other build (ESM or CJS) of this library is pulled too.
      const node = by === undefined ? connectFairNode<T>(source) : undefined;
      if (node !== undefined && (bound !== undefined || levels !== undefined)) {
        subscriber.error(
          new TypeError(
            bound !== undefined
              ? 'Expected no `bound` with a roundRobin source: give its leaves `bounds` (roundRobin(children, { bounds }))'
              : 'Expected no `priority` with a roundRobin source: use priority() nodes',
          ),
        );
        return;
      }
      const connect = node ?? ((sink: FairSink<T>) => new FlatSource(source, sink, by, tree, bound, levels, rates));
      // Without `cost` every event takes one slot: the plain dispatcher, which counts nothing per event.
      if (cost === undefined) dispatch(subscriber, connect, fairProject, concurrency, stats);
      else
        runDispatcher(subscriber, connect, new CostDispatcher<T, R>(subscriber, fairProject, concurrency, cost), stats);
    });
}

/**
 * How many emptied branches `by`'s tree keeps for reuse (asked their `weight` again). A stream that arrives in
 * bursts empties the tree after each one, and rebuilding every branch would be a large share of `by`'s cost.
 * Their keys come back in first-seen order in stats, a small price.
 */
const BY_SPARES = 1024;
