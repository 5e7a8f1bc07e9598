/** Type tests for the live stats API (issue 6, feature 5); checked by `tsc --noEmit`. */
import { Subject, interval, of, type Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  FairStats,
  WaitSketch,
  jainIndex,
  mulberry32,
  fairMergeMap,
  type FairKeyStats,
  type FairMergeMapOptions,
  type FairNodeStats,
  type FairSnapshot,
  type FairStatsOptions,
  type WaitPercentiles,
} from '../src/index.js';

interface Event {
  host: string;
  vm: string;
}

describe('live stats types', () => {
  it('types FairStats, its options and its snapshots', () => {
    const stats = new FairStats<Event>({ now: () => 0, depth: 2 });
    expectTypeOf(stats.snapshots(interval(1000))).toEqualTypeOf<Observable<FairSnapshot>>();
    expectTypeOf(stats.attached).toEqualTypeOf<boolean>();
    expectTypeOf<FairStatsOptions['now']>().toEqualTypeOf<(() => number) | undefined>();
    expectTypeOf<FairSnapshot['keys']>().toEqualTypeOf<readonly FairKeyStats[]>();
    expectTypeOf<FairSnapshot['fairness']>().toEqualTypeOf<number | null>();
    expectTypeOf<FairKeyStats['wait']>().toEqualTypeOf<WaitPercentiles | null>();
    expectTypeOf<FairKeyStats>().toExtend<FairNodeStats>();
    expectTypeOf<FairNodeStats['children']>().toEqualTypeOf<readonly FairNodeStats[] | undefined>();
    expectTypeOf(new WaitSketch().quantile(0.5)).toEqualTypeOf<number>();
    expectTypeOf(new WaitSketch().percentiles()).toEqualTypeOf<WaitPercentiles | null>();
    expectTypeOf(jainIndex).toEqualTypeOf<(shares: readonly number[]) => number | null>();
    expectTypeOf(mulberry32).toEqualTypeOf<(seed: number) => () => number>();
    expectTypeOf<WaitPercentiles>().toEqualTypeOf<{
      readonly count: number;
      readonly p50: number;
      readonly p90: number;
      readonly p99: number;
      readonly max: number;
    }>();
  });

  it('takes `stats` without letting it decide the event type', () => {
    const events$ = new Subject<Event>();
    const out = events$.pipe(
      fairMergeMap((e) => of(e.vm), { concurrency: 4, by: (e) => [e.host], stats: new FairStats() }),
    );
    expectTypeOf(out).toEqualTypeOf<Observable<string>>();
    expectTypeOf<FairMergeMapOptions<Event>['stats']>().toEqualTypeOf<FairStats<Event> | undefined>();
    // Never called: the type check is the test.
    const wrong = (): void => {
      // @ts-expect-error `stats` takes a FairStats
      fairMergeMap((e: Event) => of(e), { stats: { now: () => 0 } });
    };
    void wrong;
  });
});
