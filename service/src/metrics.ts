import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { StatsSnapshot } from './dashboardView.js';
import type { Dispatch, Scheduler } from './Scheduler.js';

export interface MetricsOptions {
  /**
   * Hosts that get series of their own (`host` label), the first by backlog: a bounded number whatever the hosts, so
   * a scrape stays small at 10,000 hosts. The totals cover every host.
   * @default 20
   */
  readonly topHosts?: number;
  /**
   * How long the stats stream keeps running after a scrape, in ms: Prometheus scrapes every 15 to 60 s, and the
   * stream reads the broker's queue depths on a timer only while it runs.
   * @default 120000
   */
  readonly keepAliveMs?: number;
}

/** The Prometheus metrics of a scheduler: `scrape()` answers `GET /metrics`. */
export interface Metrics {
  readonly registry: Registry;
  /**
   * The text format, with the latest snapshot of the stats stream (computed now if none is running). The wait
   * histogram counts the dispatches from the first scrape on.
   */
  scrape(): Promise<string>;
  /** Stops watching the scheduler. */
  close(): void;
}

/** Wait buckets, in seconds: from a millisecond in the scheduler to ten minutes behind a backlog. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];

/** The counters of `SchedulerStats` exported as `rxjs_fair_<name>_total`, with their help. */
const COUNTED = {
  done: ['events_done', 'Events whose action finished (acknowledged).'],
  retried: ['events_retried', 'Failed attempts sent to wait for a retry.'],
  failed: ['events_failed', 'Events dead-lettered after their last failed attempt.'],
  malformed: ['events_malformed', 'Messages dead-lettered because they are not a valid event.'],
  timedOut: ['action_timeouts', 'Attempts that failed because the action outlived the action timeout.'],
  parked: ['events_parked', "Events moved to a paused VM's parked queue."],
  moved: ['events_moved', "Events moved out of their shard into their host's backlog queue (a paused or busy host)."],
  conflated: ['events_conflated', 'Events of a latest policy replaced by a newer one before they ran.'],
  skipped: ['redeliveries_skipped', 'Redelivered events not run again because they were done already.'],
} as const;

/**
 * Prometheus metrics (prom-client) of a scheduler, named `rxjs_fair_*`: counters of what it did, gauges of what it
 * holds and runs, the broker's backlog, Jain's index, whether it consumes, and a histogram of the waits in the
 * scheduler. Per-host series only for the `topHosts` hosts with the largest backlog, so cardinality is bounded.
 *
 * The counts live in the scheduler (`stats()`, since it started); the gauges come from the dashboard's stats
 * stream (`snapshots`), shared with it, so a scrape never walks the broker's queues itself.
 */
export function createMetrics(
  scheduler: Scheduler,
  snapshots: Observable<StatsSnapshot>,
  options: MetricsOptions = {},
): Metrics {
  const { topHosts = 20, keepAliveMs = 120_000 } = options;
  if (!Number.isInteger(topHosts) || topHosts < 0)
    throw new TypeError(`Expected \`topHosts\` to be a non-negative integer, got ${String(topHosts)}`);
  const registry = new Registry();
  let latest: StatsSnapshot | undefined;
  let watching: Subscription | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  // Counters follow the scheduler's own counts: each collect adds what was counted since the previous one.
  for (const [field, [name, help]] of Object.entries(COUNTED)) {
    let seen = 0;
    new Counter({
      name: `rxjs_fair_${name}_total`,
      help,
      registers: [registry],
      collect() {
        const now = scheduler.stats()[field as keyof typeof COUNTED];
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  }
  const gauge = (name: string, help: string, value: (s: StatsSnapshot) => number | null) =>
    new Gauge({
      name: `rxjs_fair_${name}`,
      help,
      registers: [registry],
      collect() {
        // NaN is Prometheus's "no value": before the first broker look, or Jain's index with nothing dispatched.
        this.set((latest === undefined ? null : value(latest)) ?? Number.NaN);
      },
    });
  gauge('events_dispatched', 'Events dispatched since the scheduler started.', (s) => s.totals.dispatched);
  gauge('actions_running', 'Actions running now.', (s) => s.totals.active);
  gauge('concurrency', 'Most actions running at once.', (s) => s.totals.concurrency);
  gauge('events_queued', 'Events the scheduler holds in memory, not yet dispatched.', (s) => s.totals.queued);
  gauge(
    'events_in_broker',
    "Messages ready in the hosts' queues in the broker (as of the last look).",
    (s) => s.totals.inBroker,
  );
  gauge(
    'hosts',
    'Hosts this scheduler knows: queued, running, paused, or with a backlog queue.',
    (s) => s.totals.hosts,
  );
  gauge('busy_hosts', 'Hosts with a backlog or a running action, and not paused.', (s) => s.fairness.busyHosts);
  gauge(
    'fairness_jain',
    "Jain's index over the busy hosts' dispatch rates: 1 even, 1/n one host gets all.",
    (s) => s.fairness.jain,
  );
  new Gauge({
    name: 'rxjs_fair_consuming',
    help: 'Whether the scheduler consumes every queue it should (1) or not (0): what GET /health tells.',
    registers: [registry],
    collect() {
      this.set(scheduler.consuming ? 1 : 0);
    },
  });

  const perHost = (name: string, help: string, value: (row: StatsSnapshot['hosts'][number]) => number | null) =>
    new Gauge({
      name: `rxjs_fair_host_${name}`,
      help: `${help} Only the ${topHosts} hosts with the largest backlog.`,
      labelNames: ['host'],
      registers: [registry],
      collect() {
        this.reset(); // hosts that left the top N leave the scrape
        for (const row of latest?.hosts.slice(0, topHosts) ?? []) {
          const v = value(row);
          if (v !== null) this.set({ host: row.host }, v);
        }
      },
    });
  perHost('events_queued', 'Events of the host held in memory.', (row) => row.queued);
  perHost('events_in_broker', "Messages ready in the host's queue in the broker.", (row) => row.inBroker);
  perHost('actions_running', 'Actions of the host running now.', (row) => row.active);
  perHost('wait_p99_seconds', "The host's 99th percentile wait, publish to dispatch, over the last 30-60 s.", (row) =>
    row.endToEnd === null ? null : row.endToEnd.p99 / 1000,
  );

  const waits = new Histogram({
    name: 'rxjs_fair_wait_seconds',
    help: "Waits of the events dispatched: end_to_end from the publish (the producer's clock), scheduler from receipt.",
    labelNames: ['stage'],
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  // From the first scrape on: a server that is never scraped costs nothing per dispatch.
  let observing: Subscription | undefined;

  const watch = (): Promise<void> => {
    observing ??= scheduler.dispatches.subscribe((dispatch: Dispatch) => {
      waits.observe({ stage: 'scheduler' }, dispatch.waitMs / 1000);
      if (dispatch.endToEndMs !== undefined) waits.observe({ stage: 'end_to_end' }, dispatch.endToEndMs / 1000);
    });
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      watching?.unsubscribe();
      watching = undefined;
    }, keepAliveMs);
    idleTimer.unref();
    if (watching !== undefined && latest !== undefined) return Promise.resolve();
    // The first snapshot of a new subscription comes at once (synchronously, from memory).
    return new Promise<void>((resolve) => {
      watching ??= snapshots.subscribe((snapshot) => {
        latest = snapshot;
        resolve();
      });
      if (latest !== undefined) resolve();
    });
  };

  return {
    registry,
    async scrape() {
      await watch();
      return registry.metrics();
    },
    close() {
      clearTimeout(idleTimer);
      watching?.unsubscribe();
      observing?.unsubscribe();
    },
  };
}
