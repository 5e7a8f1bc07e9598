import fc from 'fast-check';
import { Subject, finalize, map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RateLimit, fairMergeMap, rateLimited } from '../../src/index.js';
import { runMarbles } from '../support/marbles.js';

/**
 * Properties of rate limits in virtual time: random arrivals over a few hosts, random projection durations, random
 * token buckets per host, with `by` and with `rateLimited` nodes. Checked: every event is dispatched exactly once; the
 * token bucket's bound holds for every host (any k consecutive dispatches of a host span at least the time k - burst
 * tokens take to come back, `(k - burst) × interval / limit`); and work conservation: at the end of every frame, while
 * a slot is free, every host with a queued event has no token (its bucket replayed from its dispatch times).
 */

interface Arrival {
  readonly frame: number;
  readonly host: number;
  readonly duration: number;
}

const arrivalsArb = fc
  .array(
    fc.record({
      frame: fc.nat({ max: 40 }),
      host: fc.nat({ max: 2 }),
      duration: fc.integer({ min: 1, max: 8 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((list) => [...list].sort((a, b) => a.frame - b.frame));

const rateArb = fc.record({
  limit: fc.integer({ min: 1, max: 3 }),
  interval: fc.integer({ min: 1, max: 12 }),
  burst: fc.integer({ min: 1, max: 3 }),
});

type Options = { limit: number; interval: number; burst: number };

/** Whether a bucket of `rate` has a token at `now`, after dispatches at `times` (the algorithm replayed, exact). */
function hasToken(rate: Options, times: readonly number[], now: number): boolean {
  let full = -Infinity; // (time the bucket is full again) × limit
  for (const t of times) full = Math.max(full, t * rate.limit) + rate.interval;
  return now * rate.limit >= full - (rate.burst - 1) * rate.interval;
}

/** Runs the workload; returns each event's dispatch frame, by id. */
function run(arrivals: readonly Arrival[], rates: readonly Options[], concurrency: number, byTree: boolean): number[] {
  const dispatched: number[] = arrivals.map(() => -1);
  runMarbles(({ testScheduler }) => {
    const hosts = [0, 1, 2].map(() => new Subject<number>());
    const limits = rates.map((r) => new RateLimit(r));
    let active = 0;
    const project = (id: number) => {
      expect(dispatched[id]).toBe(-1); // exactly once
      dispatched[id] = testScheduler.now();
      active++;
      return timer((arrivals[id] as Arrival).duration).pipe(
        map(() => id),
        finalize(() => active--),
      );
    };
    if (byTree) {
      const flat = new Subject<number>();
      for (const host of hosts) host.subscribe((id) => flat.next(id));
      // `rates` is per depth: every host's branch gets a bucket of the same rate.
      flat
        .pipe(
          fairMergeMap(project, {
            concurrency,
            by: (id) => [(arrivals[id] as Arrival).host],
            rates: [limits[0]],
          }),
        )
        .subscribe();
    } else {
      const node = rateLimited(
        { h0: hosts[0] as Subject<number>, h1: hosts[1] as Subject<number>, h2: hosts[2] as Subject<number> },
        { rates: { h0: limits[0] as RateLimit, h1: limits[1] as RateLimit, h2: limits[2] as RateLimit } },
      );
      node.pipe(fairMergeMap(project, concurrency)).subscribe();
    }
    arrivals.forEach((a, id) => testScheduler.schedule(() => (hosts[a.host] as Subject<number>).next(id), a.frame));
    // Work conservation, half a frame after each frame: everything of that frame (arrivals, completions, wake-ups,
    // which come at whole frames) has happened.
    for (let frame = 0; frame <= 200; frame++) {
      testScheduler.schedule(() => {
        if (active >= concurrency) return;
        for (const host of [0, 1, 2]) {
          const mine = arrivals.map((a, id) => (a.host === host ? id : -1)).filter((id) => id >= 0);
          const queued = mine.filter(
            (id) => (arrivals[id] as Arrival).frame <= frame && (dispatched[id] as number) < 0,
          );
          if (queued.length === 0) continue;
          const times = mine.map((id) => dispatched[id] as number).filter((t) => t >= 0);
          expect(hasToken(rates[host] as Options, times, frame), `frame ${frame}: host ${host} idle with a token`).toBe(
            false,
          );
        }
      }, frame + 0.5);
    }
  });
  return dispatched;
}

function checkBound(
  arrivals: readonly Arrival[],
  dispatched: readonly number[],
  rateOf: (host: number) => Options,
): void {
  expect(dispatched.every((t) => t >= 0)).toBe(true); // every event dispatched
  for (const host of [0, 1, 2]) {
    const { limit, interval, burst } = rateOf(host);
    const times = arrivals
      .map((a, id) => (a.host === host ? (dispatched[id] as number) : -1))
      .filter((t) => t >= 0)
      .sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      for (let j = i + burst; j < times.length; j++) {
        const k = j - i + 1;
        const span = (times[j] as number) - (times[i] as number);
        expect(span * limit, `host ${host}: ${k} dispatches in ${span} frames`).toBeGreaterThanOrEqual(
          (k - burst) * interval,
        );
      }
    }
  }
}

describe('rate limits in virtual time', () => {
  it('should dispatch every event once and hold each rateLimited child to its bucket', () => {
    fc.assert(
      fc.property(
        arrivalsArb,
        fc.array(rateArb, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        (arrivals, rates, concurrency) => {
          const dispatched = run(arrivals, rates, concurrency, false);
          checkBound(arrivals, dispatched, (host) => rates[host] as Options);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('should hold each branch of a by tree to its depth rate', () => {
    fc.assert(
      fc.property(arrivalsArb, rateArb, fc.integer({ min: 1, max: 4 }), (arrivals, rate, concurrency) => {
        const dispatched = run(arrivals, [rate, rate, rate], concurrency, true);
        checkBound(arrivals, dispatched, () => rate);
      }),
      { numRuns: 150 },
    );
  });
});
