import type { FairSnapshot } from 'rxjs-fair';
import type { SchedulerStats } from './Scheduler.js';
import { InvalidInputError } from './schemas.js';
import type { QueueDepths } from './statsStream.js';

/** What `GET /stats` answers, before the per-host parts are cut to the busiest hosts. */
export interface StatsBody extends SchedulerStats {
  readonly library: FairSnapshot | null;
  readonly inBroker: QueueDepths | Record<string, never>;
}

/** `GET /stats`, with `hostsShown` of `hostsTotal` hosts in its per-host parts. */
export type StatsView = StatsBody & { readonly hostsShown: number; readonly hostsTotal: number };

/** The most hosts `GET /stats?hosts=` shows; the default is 100. */
export const MAX_STATS_HOSTS = 10_000;

/** The `hosts` query parameter of `GET /stats`: 1 to 10,000 (400 otherwise), 100 when absent. */
export function parseStatsQuery(query: Record<string, unknown>): number {
  const raw = query.hosts;
  if (raw === undefined || raw === '') return 100;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 1 || value > MAX_STATS_HOSTS)
    throw new InvalidInputError('hosts', `must be an integer from 1 to ${MAX_STATS_HOSTS}`);
  return value;
}

/**
 * Cuts the per-host parts of `GET /stats` (queued, availability, the broker's backlog and parked queues, the
 * library's keys) to the `limit` hosts with the most events queued, in memory and in the broker, so that an answer
 * stays small however many hosts there are; the totals and counts stay whole.
 */
export function statsView(body: StatsBody, limit: number): StatsView {
  const depths: QueueDepths | undefined = 'shards' in body.inBroker ? (body.inBroker as QueueDepths) : undefined;
  const backlog = new Map<string, number>();
  const add = (host: string, n: number) => backlog.set(host, (backlog.get(host) ?? 0) + n);
  for (const [host, vms] of Object.entries(body.queued)) for (const n of Object.values(vms)) add(host, n);
  for (const [host, n] of Object.entries(depths?.hosts ?? {})) add(host, n);
  for (const [key, n] of Object.entries(depths?.parked ?? {})) add(key.slice(0, key.lastIndexOf('/')), n);
  for (const host of Object.keys(body.availability)) add(host, 0);
  for (const key of body.library?.keys ?? []) add(String(key.key), 0);
  const total = backlog.size;
  if (total <= limit) return { ...body, hostsShown: total, hostsTotal: total };
  const shown = new Set(
    [...backlog]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([host]) => host),
  );
  const pick = <V>(record: Readonly<Record<string, V>>, hostOf = (key: string) => key): Record<string, V> =>
    Object.fromEntries(Object.entries(record).filter(([key]) => shown.has(hostOf(key))));
  return {
    ...body,
    queued: pick(body.queued),
    availability: pick(body.availability),
    inBroker:
      depths === undefined
        ? body.inBroker
        : {
            ...depths,
            hosts: pick(depths.hosts),
            parked: pick(depths.parked, (key) => key.slice(0, key.lastIndexOf('/'))),
          },
    library:
      body.library === null
        ? null
        : { ...body.library, keys: body.library.keys.filter((k) => shown.has(String(k.key))) },
    hostsShown: shown.size,
    hostsTotal: total,
  };
}
