/** Type tests for rate limits; checked by `tsc --noEmit`. */
import { Subject, type SchedulerLike } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  RateLimit,
  fairMergeMap,
  priority,
  rateLimited,
  type FairMergeMapOptions,
  type RateLimitOptions,
  type RateLimited,
  type RoundRobin,
} from '../src/index.js';

describe('rate limit types', () => {
  it('types RateLimit and its options', () => {
    const rate = new RateLimit({ limit: 5, interval: 1000 });
    expectTypeOf(rate.set({ limit: 1, interval: 10, burst: 2 })).toEqualTypeOf<RateLimit>();
    expectTypeOf(rate.scheduler).toEqualTypeOf<SchedulerLike>();
    expectTypeOf<RateLimitOptions['burst']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<FairMergeMapOptions<string>['rates']>().toEqualTypeOf<
      readonly (RateLimit | undefined)[] | undefined
    >();
  });

  it('types rateLimited nodes as roundRobin nodes with rates', () => {
    const rate = new RateLimit({ limit: 5, interval: 1000 });
    const node = rateLimited({ a: new Subject<number>() }, { rates: { a: rate }, rate, weights: { a: 2 } });
    expectTypeOf(node).toEqualTypeOf<RateLimited<number, string>>();
    expectTypeOf(node).toExtend<RoundRobin<number, string>>();
    expectTypeOf(node.setRate('a', undefined)).toEqualTypeOf<RateLimited<number, string>>();
    expectTypeOf(node.rateOf('a')).toEqualTypeOf<RateLimit | undefined>();
    expectTypeOf(priority({ a: new Subject<number>() }, { rates: { a: rate } })).toExtend<
      RateLimited<number, string>
    >();
    new Subject<string>().pipe(fairMergeMap((v) => [v], { by: (v) => [v], rates: [undefined, rate] }));
    // Never called: the type check is the test.
    // @ts-expect-error a rate is a RateLimit, not its options
    const wrong = () => rateLimited({ a: new Subject<number>() }, { rates: { a: { limit: 1, interval: 1 } } });
    expectTypeOf(wrong).toBeFunction();
  });
});
