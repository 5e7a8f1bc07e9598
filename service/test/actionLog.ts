/**
 * What a handler's log of actions says about the scheduling, across any number of schedulers: how many actions
 * ran at once per VM, per host, per scheduler and overall; which ids ran more than once, which never ran; and when
 * each host was first served. Pure: the tests of the scale-out (caps held across schedulers, a node killed, a
 * scheduler killed) write the log from their handler and check it here.
 *
 * Times are in ms. An action occupies [start, end): one that ends at the very moment another starts does not
 * overlap it. An action of no length (start === end) overlaps what runs at that instant, and any other such
 * action at the same instant; record times with `performance.timeOrigin + performance.now()` (fractions of a ms),
 * not `Date.now()`, so that two actions run one after the other never tie.
 */

/** One action, as the handler records it. */
export interface ActionRecord {
  /** The event's id. */
  readonly id: string;
  readonly host: string;
  readonly vm: string;
  /** Which scheduler ran it (any name: a process id, a label). */
  readonly scheduler: string;
  /** When the action started and ended, in ms. */
  readonly start: number;
  readonly end: number;
}

/** The most actions running at once in a group, when, and which. */
export interface Peak {
  readonly max: number;
  /** When the peak was first reached (NaN for an empty group). */
  readonly at: number;
  /** The ids running then. */
  readonly ids: readonly string[];
}

/** When a host was first served: its first completion. */
export interface FirstCompletion {
  readonly id: string;
  /** 1 for the first action of the whole log to end, 2 for the second... */
  readonly rank: number;
  /** Its end, less `since` (ms). */
  readonly latency: number;
}

export interface ActionLogAnalysis {
  /** Records in the log. */
  readonly actions: number;
  readonly overall: Peak;
  readonly perScheduler: ReadonlyMap<string, Peak>;
  readonly perHost: ReadonlyMap<string, Peak>;
  /** By host, then VM (VMs of one name on two hosts are two VMs). */
  readonly perVm: ReadonlyMap<string, ReadonlyMap<string, Peak>>;
  /** The highest peak of any one host, and of any one VM, with where it was. */
  readonly maxPerHost: Peak & { readonly host: string | undefined };
  readonly maxPerVm: Peak & { readonly host: string | undefined; readonly vm: string | undefined };
  /** Ids that ran more than once, with how many times they ran. */
  readonly duplicates: ReadonlyMap<string, number>;
  /** Runs beyond the first, summed over every id. */
  readonly extraRuns: number;
  /** Ids of `expected` that never ran, in the order given. */
  readonly missing: readonly string[];
  /** Ids that ran but were not in `expected` (empty without `expected`). */
  readonly unexpected: readonly string[];
  readonly firstCompletion: ReadonlyMap<string, FirstCompletion>;
}

export interface ActionLogOptions {
  /** The ids that should have run (each once). */
  readonly expected?: Iterable<string>;
  /** Where latencies count from, in ms. @default the earliest start in the log */
  readonly since?: number;
}

const none: Peak = { max: 0, at: Number.NaN, ids: [] };

/**
 * The most records running at once: a sweep over their starts and ends in time order. At one instant, the ends
 * of actions that lasted come first (they make room), then the starts, then the ends of actions of no length.
 */
export function peakConcurrency(records: readonly ActionRecord[]): Peak {
  // kind: 0 an end (of an action that lasted), 1 a start, 2 the end of an action of no length.
  const points: { time: number; kind: 0 | 1 | 2; index: number }[] = [];
  records.forEach((record, index) => {
    points.push({ time: record.start, kind: 1, index });
    points.push({ time: record.end, kind: record.end === record.start ? 2 : 0, index });
  });
  points.sort((a, b) => a.time - b.time || a.kind - b.kind);
  const running = new Set<number>();
  let peak = none;
  for (const point of points) {
    if (point.kind !== 1) {
      running.delete(point.index);
      continue;
    }
    running.add(point.index);
    if (running.size > peak.max) {
      peak = { max: running.size, at: point.time, ids: [...running].map((i) => (records[i] as ActionRecord).id) };
    }
  }
  return peak;
}

/** Analyses a handler's log of actions (see the module's comment). Throws on a record that makes no sense. */
export function analyseActionLog(records: readonly ActionRecord[], options: ActionLogOptions = {}): ActionLogAnalysis {
  for (const record of records) {
    if (!Number.isFinite(record.start) || !Number.isFinite(record.end) || record.end < record.start)
      throw new RangeError(`action ${JSON.stringify(record)}: expected finite times, its end not before its start`);
  }
  const peaks = <K>(groups: Map<K, ActionRecord[]>): Map<K, Peak> =>
    new Map([...groups].map(([key, list]) => [key, peakConcurrency(list)]));

  const byHost = groupBy(records, (r) => r.host);
  const perHost = peaks(byHost);
  const perVm = new Map<string, Map<string, Peak>>();
  for (const [host, list] of byHost) perVm.set(host, peaks(groupBy(list, (r) => r.vm)));
  let maxPerHost: ActionLogAnalysis['maxPerHost'] = { ...none, host: undefined };
  for (const [host, peak] of perHost) if (peak.max > maxPerHost.max) maxPerHost = { ...peak, host };
  let maxPerVm: ActionLogAnalysis['maxPerVm'] = { ...none, host: undefined, vm: undefined };
  for (const [host, vms] of perVm)
    for (const [vm, peak] of vms) if (peak.max > maxPerVm.max) maxPerVm = { ...peak, host, vm };

  const runs = new Map<string, number>();
  for (const record of records) runs.set(record.id, (runs.get(record.id) ?? 0) + 1);
  const duplicates = new Map([...runs].filter(([, n]) => n > 1));
  const extraRuns = [...duplicates.values()].reduce((sum, n) => sum + n - 1, 0);
  const expected = options.expected === undefined ? undefined : [...options.expected];
  const missing = expected?.filter((id) => !runs.has(id)) ?? [];
  const wanted = new Set(expected);
  const unexpected = expected === undefined ? [] : [...runs.keys()].filter((id) => !wanted.has(id));

  const since = options.since ?? records.reduce((min, r) => Math.min(min, r.start), Number.POSITIVE_INFINITY);
  const byEnd = [...records].sort((a, b) => a.end - b.end);
  const firstCompletion = new Map<string, FirstCompletion>();
  byEnd.forEach((record, i) => {
    if (!firstCompletion.has(record.host))
      firstCompletion.set(record.host, { id: record.id, rank: i + 1, latency: record.end - since });
  });

  return {
    actions: records.length,
    overall: peakConcurrency(records),
    perScheduler: peaks(groupBy(records, (r) => r.scheduler)),
    perHost,
    perVm,
    maxPerHost,
    maxPerVm,
    duplicates,
    extraRuns,
    missing,
    unexpected,
    firstCompletion,
  };
}

function groupBy<K>(records: readonly ActionRecord[], key: (record: ActionRecord) => K): Map<K, ActionRecord[]> {
  const groups = new Map<K, ActionRecord[]>();
  for (const record of records) {
    const k = key(record);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [record]);
    else list.push(record);
  }
  return groups;
}

/** Parses a log written one JSON record a line (blank lines skipped). */
export function parseActionLog(text: string): ActionRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ActionRecord);
}
