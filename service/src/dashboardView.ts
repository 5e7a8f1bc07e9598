// The dashboard's data: what the stats stream computes once per tick for every client (`StatsSnapshot`), and the
// slice of it that one client sees (`DashboardView`, the JSON of each Server-Sent Event). Plain data and pure
// functions, importing types only: the page (dashboard/) imports these types too.

import type { WaitPercentiles } from 'rxjs-fair';

export type HostState = 'ACTIVE' | 'DOWN' | 'MAINTENANCE';

export interface HostRow {
  readonly host: string;
  /** Events the scheduler holds in memory, not yet dispatched. */
  readonly queued: number;
  /** Actions running now. */
  readonly active: number;
  /** Messages ready in the host's queue in the broker, as of `brokerAt` (null before the first look). */
  readonly inBroker: number | null;
  /** Events dispatched since the start, and per second (moving average over about 5 s). */
  readonly dispatched: number;
  readonly rate: number;
  /** Waits in ms, from receipt by the scheduler to dispatch, over the last 30 to 60 s. */
  readonly waits: WaitPercentiles | null;
  /** Waits in ms from the publish to the dispatch (in the broker, then in the scheduler), over the last 30 to 60 s. */
  readonly endToEnd: WaitPercentiles | null;
  /** The host's own availability (a VM's is in `paused`). */
  readonly state: HostState;
  /** VMs of this host that are DOWN or in MAINTENANCE on their own. */
  readonly pausedVms: number;
}

export interface PausedRow {
  readonly host: string;
  /** null: the whole host. */
  readonly vm: string | null;
  readonly state: Exclude<HostState, 'ACTIVE'>;
  /** Events waiting in the VM's parked queue in the broker, as of `brokerAt` (null: unknown, or a whole host). */
  readonly parked: number | null;
}

export interface Totals {
  readonly hosts: number;
  readonly queued: number;
  readonly inBroker: number | null;
  readonly active: number;
  readonly concurrency: number;
  readonly dispatched: number;
  /** Dispatches per second, all hosts (moving average over about 5 s). */
  readonly rate: number;
  readonly done: number;
  readonly retried: number;
  /** Dead-lettered: `failed` (out of attempts) plus `malformed`. */
  readonly deadLettered: number;
  readonly failed: number;
  readonly malformed: number;
  readonly parked: number;
}

export interface Fairness {
  /** Jain's index (Σx)² / (n·Σx²) over the busy hosts' dispatch rates: 1 is perfectly even, 1/n one host gets all; null with no busy host dispatching. */
  readonly jain: number | null;
  /** Hosts with a backlog (in memory or in the broker) or a running action, and not paused. */
  readonly busyHosts: number;
}

/** Everything the dashboard can show, computed once per tick from the scheduler's memory (and the last broker look). */
export interface StatsSnapshot {
  /** When it was computed (ms since the epoch). */
  readonly at: number;
  readonly consuming: boolean;
  readonly totals: Totals;
  readonly fairness: Fairness;
  /** Every known host, by backlog (in memory plus in the broker), then running actions, then name. */
  readonly hosts: readonly HostRow[];
  readonly paused: readonly PausedRow[];
  /** Events in memory per host and VM, and running actions per host and VM (for the VM breakdown). */
  readonly vmQueued: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly vmActive: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** When the broker's queue depths were last read (ms since the epoch), or null. */
  readonly brokerAt: number | null;
}

export interface VmRow {
  readonly vm: string;
  readonly queued: number;
  readonly active: number;
  readonly state: HostState;
  readonly parked: number | null;
}

/** What one client asked to see. */
export interface ViewQuery {
  /** Host rows per page. @default 20 */
  readonly limit?: number;
  /** Rows to skip (paging). @default 0 */
  readonly offset?: number;
  /** Only hosts whose name contains this (case-insensitive). */
  readonly search?: string;
  /** A host whose VMs to list. */
  readonly host?: string;
}

/** One Server-Sent Event of the dashboard stream: the summary, one page of hosts, the VMs of the selected host. */
export interface DashboardView {
  readonly at: number;
  readonly consuming: boolean;
  readonly totals: Totals;
  readonly fairness: Fairness;
  readonly brokerAt: number | null;
  /** Hosts matching the search (all hosts without one), and the page of them shown. */
  readonly matched: number;
  readonly offset: number;
  readonly limit: number;
  readonly hosts: readonly HostRow[];
  /** The first `PAUSED_SHOWN` paused hosts and VMs, and how many there are. */
  readonly paused: readonly PausedRow[];
  readonly pausedCount: number;
  /** The selected host's VMs, by backlog (at most `VMS_SHOWN`), or null. */
  readonly selected: { readonly host: string; readonly vms: readonly VmRow[]; readonly vmCount: number } | null;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
export const PAUSED_SHOWN = 50;
export const VMS_SHOWN = 50;

/** One client's slice of a snapshot. O(hosts) for a search, O(limit) otherwise. */
export function dashboardView(snapshot: StatsSnapshot, query: ViewQuery = {}): DashboardView {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
  const search = query.search?.trim().toLowerCase() ?? '';
  const matching =
    search === '' ? snapshot.hosts : snapshot.hosts.filter((row) => row.host.toLowerCase().includes(search));
  // A page past the end (the hosts went away) shows the last page.
  const lastPage = Math.max(0, Math.ceil(matching.length / limit) - 1) * limit;
  const offset = Math.min(Math.max(0, Math.floor(query.offset ?? 0)), lastPage);
  return {
    at: snapshot.at,
    consuming: snapshot.consuming,
    totals: snapshot.totals,
    fairness: snapshot.fairness,
    brokerAt: snapshot.brokerAt,
    matched: matching.length,
    offset,
    limit,
    hosts: matching.slice(offset, offset + limit),
    paused: snapshot.paused.slice(0, PAUSED_SHOWN),
    pausedCount: snapshot.paused.length,
    selected: query.host === undefined || query.host === '' ? null : vmsOf(snapshot, query.host),
  };
}

function vmsOf(snapshot: StatsSnapshot, host: string): NonNullable<DashboardView['selected']> {
  const queued = snapshot.vmQueued[host] ?? {};
  const active = snapshot.vmActive[host] ?? {};
  const hostState = snapshot.hosts.find((row) => row.host === host)?.state ?? 'ACTIVE';
  const paused = new Map(
    snapshot.paused.filter((row) => row.host === host && row.vm !== null).map((row) => [row.vm as string, row]),
  );
  const names = new Set([...Object.keys(queued), ...Object.keys(active), ...paused.keys()]);
  const vms: VmRow[] = [...names].map((vm) => ({
    vm,
    queued: queued[vm] ?? 0,
    active: active[vm] ?? 0,
    state: hostState !== 'ACTIVE' ? hostState : (paused.get(vm)?.state ?? 'ACTIVE'),
    parked: paused.get(vm)?.parked ?? null,
  }));
  vms.sort(
    (a, b) =>
      b.queued + (b.parked ?? 0) - (a.queued + (a.parked ?? 0)) || b.active - a.active || compareNames(a.vm, b.vm),
  );
  return { host, vms: vms.slice(0, VMS_SHOWN), vmCount: vms.length };
}

/** Names in natural order: compute2 before compute10. */
export const compareNames: (a: string, b: string) => number = new Intl.Collator('en', { numeric: true }).compare;
