/** Type tests for bounded leaves (issue 6, feature 4); checked by `tsc --noEmit`. */
import { Subject } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  BoundedFifoQueue,
  FifoQueue,
  OverflowError,
  RoundRobinQueue,
  fairMergeMap,
  roundRobin,
  type BoundedFifoQueueOptions,
  type DropListener,
  type DropReason,
  type Dropped,
  type FairMergeMapOptions,
  type LeafBound,
  type OverflowPolicy,
  type RoundRobin,
  type RoundRobinOptions,
} from '../src/index.js';

interface Event {
  vm: string;
  state: string;
}

describe('bound types', () => {
  it('types the policies and reports', () => {
    expectTypeOf<OverflowPolicy>().toEqualTypeOf<'error' | 'drop-oldest' | 'drop-newest' | 'latest'>();
    expectTypeOf<DropReason>().toEqualTypeOf<'drop-oldest' | 'drop-newest' | 'latest'>();
    expectTypeOf<Dropped<Event>['event']>().toEqualTypeOf<Event>();
    expectTypeOf<Dropped<Event>['replacedBy']>().toEqualTypeOf<Event | undefined>();
    expectTypeOf<Dropped<Event>['path']>().toEqualTypeOf<readonly unknown[]>();
    expectTypeOf<LeafBound<Event>['overflow']>().toEqualTypeOf<OverflowPolicy>();
    expectTypeOf<OverflowError>().toExtend<Error>();
    expectTypeOf<OverflowError['size']>().toEqualTypeOf<number>();
  });

  it('infers the event type of dropped from the children', () => {
    const vm1 = new Subject<Event>();
    const dropped = new Subject<Dropped<Event>>();
    const node = roundRobin(
      { vm1 },
      { bounds: { vm1: { overflow: 'latest', dropped: (d) => expectTypeOf(d).toEqualTypeOf<Dropped<Event>>() } } },
    );
    expectTypeOf(node).toEqualTypeOf<RoundRobin<Event, string>>();
    expectTypeOf(roundRobin({ vm1 }, { bounds: { vm1: { size: 5, overflow: 'drop-oldest', dropped } } })).toEqualTypeOf<
      RoundRobin<Event, string>
    >();
    expectTypeOf(node.boundOf('vm1')).toEqualTypeOf<LeafBound<Event> | undefined>();
    expectTypeOf<RoundRobinOptions<string, Event>['bounds']>().toEqualTypeOf<
      ReadonlyMap<string, LeafBound<Event>> | Readonly<Record<string, LeafBound<Event>>> | undefined
    >();
    // Never called: the type check is the test.
    const other = new Subject<Dropped<number>>();
    // @ts-expect-error a report of other events
    const wrong = () => roundRobin({ vm1 }, { bounds: { vm1: { overflow: 'latest', dropped: other } } });
    // @ts-expect-error no such policy
    const wrong2 = () => roundRobin({ vm1 }, { bounds: { vm1: { overflow: 'sliding', dropped } } });
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(wrong2).toBeFunction();
  });

  it('types the fairMergeMap bound', () => {
    expectTypeOf<FairMergeMapOptions<Event>['bound']>().toEqualTypeOf<LeafBound<Event> | undefined>();
    fairMergeMap((e: Event) => [e.state], {
      by: (e) => [e.vm],
      bound: { overflow: 'latest', dropped: (d) => expectTypeOf(d.event).toEqualTypeOf<Event>() },
    });
  });

  it('types the core queue', () => {
    const q = new BoundedFifoQueue<string>({
      size: 2,
      overflow: 'drop-oldest',
      onDrop: (event, reason, path) => [event, reason, path],
    });
    expectTypeOf(q).toExtend<FifoQueue<string>>();
    expectTypeOf(q.capacity).toEqualTypeOf<number>();
    expectTypeOf(q.overflow).toEqualTypeOf<OverflowPolicy>();
    expectTypeOf<BoundedFifoQueueOptions<string>['onDrop']>().toEqualTypeOf<DropListener<string> | undefined>();
    const tree = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: { overflow: 'latest', onDrop: (event) => expectTypeOf(event).toEqualTypeOf<string>() },
    });
    expectTypeOf(tree).toEqualTypeOf<RoundRobinQueue<string, unknown>>();
  });
});
