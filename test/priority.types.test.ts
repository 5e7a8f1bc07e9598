/** Type tests for priority levels; checked by `tsc --noEmit`. */
import { Subject } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  FifoQueue,
  PriorityQueue,
  byPriority,
  fairMergeMap,
  priority,
  roundRobin,
  type ByPriority,
  type FairMergeMapOptions,
  type Priority,
  type PriorityOptions,
  type PriorityQueueOptions,
  type RoundRobin,
} from '../src/index.js';

interface Ev {
  readonly host: string;
  readonly level: 'urgent' | 'routine';
}

describe('priority types', () => {
  it('types the priority node as a node of a roundRobin tree', () => {
    const node = priority({ urgent: new Subject<number>(), routine: roundRobin({ a: new Subject<number>() }) });
    expectTypeOf(node).toEqualTypeOf<Priority<number, string>>();
    expectTypeOf(node).toExtend<RoundRobin<number, string>>();
    expectTypeOf(node.setEvery(3)).toEqualTypeOf<Priority<number, string>>();
    expectTypeOf(node.every).toEqualTypeOf<number>();
    expectTypeOf(roundRobin({ h1: node })).toEqualTypeOf<RoundRobin<number, string>>();
    const byNumber = priority(new Map([[0, new Subject<string>()]]), { every: 4 });
    expectTypeOf(byNumber).toEqualTypeOf<Priority<string, number>>();
    expectTypeOf<PriorityOptions<string>['every']>().toEqualTypeOf<number | undefined>();
  });

  it('types byPriority from the level function', () => {
    const levels = byPriority(['urgent', 'routine'] as const, (e: Ev) => e.level, { every: 8 });
    expectTypeOf(levels).toExtend<ByPriority<Ev, 'urgent' | 'routine'>>();
    expectTypeOf<FairMergeMapOptions<Ev>['priority']>().toEqualTypeOf<ByPriority<Ev> | undefined>();
    const events = new Subject<Ev>();
    events.pipe(
      fairMergeMap((e) => [e.host], { by: (e) => [e.host], priority: byPriority(['urgent'], (e) => e.level) }),
    );
    // Never called: the type check is the test.
    // @ts-expect-error the level function takes the event
    const wrong = () => fairMergeMap((e: Ev) => [e], { priority: byPriority(['a'], (e: number) => e) });
    expectTypeOf(wrong).toBeFunction();
  });

  it('types the core node', () => {
    const q = new PriorityQueue<string>({ urgent: new FifoQueue<string>() }, { every: 2 });
    expectTypeOf(q.next()).toEqualTypeOf<string | undefined>();
    expectTypeOf(q.setEvery(3)).toEqualTypeOf<PriorityQueue<string, string>>();
    expectTypeOf<PriorityQueueOptions<string>['every']>().toEqualTypeOf<number | undefined>();
  });
});
