/** Type tests for the weight and cap API (issue 6); checked by `tsc --noEmit`. */
import { Subject } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  FifoQueue,
  QueueNode,
  RoundRobinQueue,
  fairMergeMap,
  roundRobin,
  type ChildOptions,
  type FairMergeMapOptions,
  type RoundRobin,
  type RoundRobinOptions,
  type RoundRobinQueueOptions,
} from '../src/index.js';

describe('weights and caps types', () => {
  it('types the roundRobin options and methods', () => {
    const node = roundRobin({ a: new Subject<number>() }, { weights: { a: 2 }, caps: { a: 1 }, cap: 3 });
    expectTypeOf(node).toEqualTypeOf<RoundRobin<number, string>>();
    expectTypeOf(node.setWeight).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(node.setWeight).returns.toEqualTypeOf<RoundRobin<number, string>>();
    expectTypeOf(node.setCap(2)).toEqualTypeOf<RoundRobin<number, string>>();
    expectTypeOf(node.setCap('a', 2)).toEqualTypeOf<RoundRobin<number, string>>();
    expectTypeOf(node.weightOf('a')).toEqualTypeOf<number>();
    expectTypeOf(node.capOf()).toEqualTypeOf<number>();
    const byVm = roundRobin(new Map([[1, new Subject<string>()]]), { weights: new Map([[1, 2]]) });
    expectTypeOf(byVm.setWeight).parameter(0).toEqualTypeOf<number>();
    expectTypeOf<RoundRobinOptions<string>['cap']>().toEqualTypeOf<number | undefined>();
    // Never called: the type check is the test.
    // @ts-expect-error weights are numbers
    const wrong = () => roundRobin({ a: new Subject<number>() }, { weights: { a: 'heavy' } });
    expectTypeOf(wrong).toBeFunction();
  });

  it('types the fairMergeMap options', () => {
    expectTypeOf<FairMergeMapOptions<{ host: string }>['weight']>().toEqualTypeOf<
      ((path: readonly unknown[], depth: number) => number) | undefined
    >();
    expectTypeOf<FairMergeMapOptions<{ host: string }>['caps']>().toEqualTypeOf<readonly number[] | undefined>();
    fairMergeMap((e: { host: string }) => [e.host], { by: (e) => [e.host], weight: () => 2, caps: [2, 1] });
  });

  it('types the core options, take, release and lastTaken', () => {
    const q = new RoundRobinQueue<string>(
      { a: new FifoQueue<string>() },
      { weights: { a: 2 }, caps: { a: 1 }, cap: 2, pathCaps: [1] },
    );
    expectTypeOf(q.take()).toEqualTypeOf<string | undefined>();
    expectTypeOf(q.lastTaken).toEqualTypeOf<QueueNode<string> | null>();
    expectTypeOf(q.add).parameter(2).toEqualTypeOf<ChildOptions | undefined>();
    expectTypeOf(q.setCap(1)).toEqualTypeOf<RoundRobinQueue<string, string>>();
    expectTypeOf(q.release).returns.toEqualTypeOf<void>();
    expectTypeOf<RoundRobinQueueOptions<string>['pathWeight']>().toEqualTypeOf<
      ((path: readonly unknown[], depth: number) => number) | undefined
    >();
  });
});
