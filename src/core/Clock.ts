/**
 * Time for rate limits: `now()` in any unit (the unit of `interval`), and `schedule(work, delay)` to run `work` after
 * `delay` of that unit. An RxJS `SchedulerLike` is one (`asyncScheduler`, a `TestScheduler` in marble tests); the
 * core only needs these two methods, so it knows nothing of RxJS.
 */
export interface Clock {
  now(): number;
  schedule(work: () => void, delay: number): { unsubscribe(): void };
}
