import {
  asyncScheduler,
  catchError,
  defer,
  EMPTY,
  exhaustMap,
  interval,
  map,
  merge,
  of,
  shareReplay,
  tap,
  throttleTime,
  timer,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { jainIndex } from 'rxjs-fair';
import { compareNames, type HostRow, type HostState, type PausedRow, type StatsSnapshot } from './dashboardView.js';
import type { HostActivity } from './DispatchStats.js';
import type { SchedulerStats } from './Scheduler.js';

/**
 * Messages ready in the broker: in the shards (all hosts), by host in its backlog queue, and by parked VM
 * (`host/vm`): what `Scheduler.queueDepths()` answers.
 */
export interface QueueDepths {
  readonly shards: number;
  readonly hosts: Readonly<Record<string, number>>;
  readonly parked: Readonly<Record<string, number>>;
  /** Backlog and parked queues not looked at (one round trip each, so at most 1,000 are). */
  readonly omitted?: number;
}

/** What the stats stream reads: a `Scheduler` (or a stand-in in tests). */
export interface StatsSource {
  readonly changes: Observable<unknown>;
  stats(): SchedulerStats;
  activity(): ReadonlyMap<string, HostActivity>;
  queueDepths(): ObservableInput<QueueDepths>;
}

export interface StatsStreamOptions {
  /**
   * Least time between two snapshots, in ms: changes in between are folded into one (leading and trailing).
   * @default 250 (four a second)
   */
  readonly intervalMs?: number;
  /**
   * A snapshot at least this often even when nothing changes, so that rates fall to 0 when the work stops.
   * @default 1000
   */
  readonly heartbeatMs?: number;
  /**
   * How often the broker's queue depths are read (one look for all clients, never per request); at least 1000.
   * @default 5000
   */
  readonly brokerRefreshMs?: number;
  /** Rates are moving averages over about this long, in ms. @default 5000 */
  readonly rateWindowMs?: number;
  /** Timers and the clock (`TestScheduler` in tests). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * The dashboard's stats stream: a `StatsSnapshot` at once on subscribe, then after changes of the scheduler
 * (throttled to one per `intervalMs`, leading and trailing) and at least every `heartbeatMs`. Each is computed from
 * the scheduler's memory, plus the broker's queue depths, read by one timer every `brokerRefreshMs`.
 *
 * Shared: every subscriber gets the same snapshots (the latest one at once); the timers run only while someone
 * subscribes.
 */
export function statsStream(source: StatsSource, options: StatsStreamOptions = {}): Observable<StatsSnapshot> {
  const {
    intervalMs = 250,
    heartbeatMs = 1000,
    brokerRefreshMs = 5000,
    rateWindowMs = 5000,
    scheduler = asyncScheduler,
  } = options;
  for (const [name, value, least] of [
    ['intervalMs', intervalMs, 1],
    ['heartbeatMs', heartbeatMs, 1],
    ['brokerRefreshMs', brokerRefreshMs, 1000],
    ['rateWindowMs', rateWindowMs, 1],
  ] as const) {
    if (!Number.isFinite(value) || value < least)
      throw new TypeError(`Expected \`${name}\` to be a number of ms from ${least} up, got ${String(value)}`);
  }
  return defer(() => {
    const model = new SnapshotModel(source, rateWindowMs, () => scheduler.now());
    const depths$ = timer(0, brokerRefreshMs, scheduler).pipe(
      exhaustMap(() =>
        defer(() => source.queueDepths()).pipe(
          catchError(() => EMPTY), // the broker is away: keep the last look
        ),
      ),
      tap((depths) => model.setDepths(depths)),
    );
    return merge(of(0), source.changes, interval(heartbeatMs, scheduler), depths$).pipe(
      throttleTime(intervalMs, scheduler, { leading: true, trailing: true }),
      map(() => model.snapshot()),
    );
  }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
}

/** The state behind the snapshots of one subscription: the last broker look and the moving-average rates. */
class SnapshotModel {
  readonly #source: StatsSource;
  readonly #rateWindowMs: number;
  readonly #now: () => number;
  #depths: QueueDepths | undefined;
  #depthsAt: number | null = null;
  /** Per host, the dispatch count and rate at the last snapshot; and the same for all hosts. */
  readonly #rates = new Map<string, { count: number; rate: number }>();
  #total = { count: 0, rate: 0 };
  #last: number | undefined;

  constructor(source: StatsSource, rateWindowMs: number, now: () => number) {
    this.#source = source;
    this.#rateWindowMs = rateWindowMs;
    this.#now = now;
  }

  setDepths(depths: QueueDepths): void {
    this.#depths = depths;
    this.#depthsAt = Date.now();
  }

  snapshot(): StatsSnapshot {
    const stats = this.#source.stats();
    const activity = this.#source.activity();
    const now = this.#now();
    const elapsed = this.#last === undefined ? 0 : now - this.#last;
    this.#last = now;
    // Exponential moving average of dispatches per second, weighted by the time since the last snapshot.
    const weight = elapsed > 0 ? 1 - Math.exp(-elapsed / this.#rateWindowMs) : 0;
    const rateOf = (
      previous: { count: number; rate: number } | undefined,
      count: number,
    ): { count: number; rate: number } => {
      if (previous === undefined) return { count, rate: 0 };
      const instant = elapsed > 0 ? ((count - previous.count) * 1000) / elapsed : previous.rate;
      const rate = previous.rate + weight * (instant - previous.rate);
      return { count, rate: rate < 1e-3 ? 0 : rate };
    };

    const availability = stats.availability;
    const depths = this.#depths;
    const names = new Set<string>([
      ...Object.keys(stats.queued),
      ...activity.keys(),
      ...Object.keys(availability),
      ...Object.keys(depths?.hosts ?? {}),
    ]);
    const paused: PausedRow[] = [];
    const pausedVmsOf = new Map<string, number>();
    for (const [host, entry] of Object.entries(availability)) {
      if (typeof entry === 'string') {
        if (entry !== 'ACTIVE') paused.push({ host, vm: null, state: entry, parked: null });
        continue;
      }
      for (const [vm, state] of Object.entries(entry)) {
        if (state === 'ACTIVE') continue;
        paused.push({ host, vm, state, parked: depths?.parked[`${host}/${vm}`] ?? null });
        pausedVmsOf.set(host, (pausedVmsOf.get(host) ?? 0) + 1);
      }
    }
    paused.sort((a, b) => compareNames(a.host, b.host) || compareNames(a.vm ?? '', b.vm ?? ''));

    const hosts: HostRow[] = [];
    const vmActive: Record<string, Record<string, number>> = {};
    let queuedTotal = 0;
    const busyRates: number[] = [];
    for (const host of names) {
      const vms = stats.queued[host] ?? {};
      let queued = 0;
      for (const count of Object.values(vms)) queued += count;
      const act = activity.get(host);
      const dispatched = act?.dispatched ?? 0;
      const rate = rateOf(this.#rates.get(host), dispatched);
      this.#rates.set(host, rate);
      const entry = availability[host];
      const state: HostState = typeof entry === 'string' ? entry : 'ACTIVE';
      const inBroker = depths === undefined ? null : (depths.hosts[host] ?? 0);
      const active = act?.active ?? 0;
      if (act !== undefined && act.active > 0) vmActive[host] = { ...act.activeByVm };
      hosts.push({
        host,
        queued,
        active,
        inBroker,
        dispatched,
        rate: rate.rate,
        waits: act?.waits ?? null,
        endToEnd: act?.endToEnd ?? null,
        state,
        pausedVms: pausedVmsOf.get(host) ?? 0,
      });
      queuedTotal += queued;
      if (state === 'ACTIVE' && (queued > 0 || (inBroker ?? 0) > 0 || active > 0)) busyRates.push(rate.rate);
    }
    // Hosts no longer shown (idle, forgotten by the activity) leave the rates too: memory follows the hosts shown.
    if (this.#rates.size > names.size)
      for (const host of this.#rates.keys()) if (!names.has(host)) this.#rates.delete(host);
    const dispatchedTotal = stats.dispatched;
    this.#total = rateOf(this.#total, dispatchedTotal);
    const backlog = (row: HostRow) => row.queued + (row.inBroker ?? 0);
    hosts.sort((a, b) => backlog(b) - backlog(a) || b.active - a.active || compareNames(a.host, b.host));

    let inBroker: number | null = null;
    if (depths !== undefined) {
      inBroker = depths.shards;
      for (const count of Object.values(depths.hosts)) inBroker += count;
      for (const count of Object.values(depths.parked)) inBroker += count;
    }
    return {
      at: Date.now(),
      consuming: stats.consuming,
      totals: {
        hosts: names.size,
        queued: queuedTotal,
        inBroker,
        active: stats.active,
        concurrency: stats.concurrency,
        dispatched: dispatchedTotal,
        rate: this.#total.rate,
        done: stats.done,
        retried: stats.retried,
        deadLettered: stats.failed + stats.malformed,
        failed: stats.failed,
        malformed: stats.malformed,
        parked: stats.parked,
      },
      fairness: { jain: jainIndex(busyRates), busyHosts: busyRates.length },
      hosts,
      paused,
      vmQueued: stats.queued,
      vmActive,
      brokerAt: this.#depthsAt,
    };
  }
}
