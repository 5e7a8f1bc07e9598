import type { DemoSettings } from './demoDefaults.js';
import type { GeneratedWorkload } from './generateWorkload.js';
import type { FairSnapshot } from '../rx/FairStats.js';
import type { SimulationResult } from './Simulation.js';
import type { WaitPercentiles } from '../core/WaitSketch.js';
import { waitStats } from './waitStats.js';

/** The demo's report and whether its checks passed. */
export interface Report {
  /** Lines for stdout, each ending in a newline. */
  readonly text: string;
  /** Both runs dispatched and completed every event exactly once, within the concurrency limit. */
  readonly ok: boolean;
}

/** The columns a host's row shows for one run. */
const COLUMNS = ['p50', 'p99', 'max'] as const;
/** How much the makespans may differ and still count as equal. */
const SAME_MAKESPAN = 0.02;

/**
 * Formats the demo's output: a header with the run's sizes, a table of the waits per host for both runs, a
 * summary of the quiet hosts' p99 wait and of the makespans, and the exactly-once check.
 */
export function formatReport(
  settings: DemoSettings,
  workload: GeneratedWorkload,
  fair: SimulationResult,
  fifo: SimulationResult,
  /** Wall-clock ms each simulation took, if measured. */
  wallTime?: { readonly fair: number; readonly fifo: number },
): Report {
  const { hosts, vms, policies, events, noisyHost } = workload;
  const lines: string[] = [];
  const noisy = noisyHost === undefined ? '' : `compute${noisyHost}`;

  lines.push(
    `rxjs-fair demo: ${plural(hosts, 'host')} × ${plural(vms, 'VM')} × ${plural(policies, 'policy', 'policies')} ` +
      `(${plural(hosts * vms * policies, 'queue')}), ${plural(events.length, 'event')}, concurrency ${settings.concurrency}, skew ${settings.skew}, seed ${settings.seed}`,
  );
  lines.push(
    (noisyHost === undefined
      ? 'no noisy host (skew 0)'
      : `${noisy} is noisy: ${plural(workload.noisyEvents, 'event')} in a burst over the first ${n(workload.burstEnd)} ms`) +
      `; ${hosts === 1 ? 'the rest trickle' : 'the other hosts trickle'} in over ${n(workload.horizon)} ms; ` +
      `actions take ${workload.minDuration}-${workload.maxDuration} ms (virtual time)`,
  );
  lines.push(
    `fair: roundRobin tree + fairMergeMap(act, ${settings.concurrency}); FIFO: merge(...leaves) + mergeMap(act, ${settings.concurrency})`,
  );
  lines.push('');

  // Per-host waits.
  const byHost: { fair: number[]; fifo: number[] }[] = [];
  for (let host = 0; host < hosts; host++) byHost.push({ fair: [], fifo: [] });
  events.forEach((event, index) => {
    const row = byHost[event.host] as { fair: number[]; fifo: number[] };
    row.fair.push(fair.waits[index] as number);
    row.fifo.push(fifo.waits[index] as number);
  });
  const label = (host: number): string => `compute${host}${host === noisyHost ? ' (noisy)' : ''}`;
  const hostWidth = Math.max('host'.length, ...byHost.map((_, host) => label(host).length));
  const eventsWidth = Math.max('events'.length, n(events.length).length);
  const numberWidth = Math.max(9, n(Math.max(fair.makespan, fifo.makespan)).length + 1);
  const statCells = (stats: WaitPercentiles): string =>
    COLUMNS.map((column) => cell(stats[column], numberWidth)).join('');
  const heading = (name: string): string =>
    COLUMNS.map((column, i) => (i === 0 ? `${name} ${column}` : column).padStart(numberWidth)).join('');

  lines.push('wait from arrival to dispatch, ms of virtual time');
  lines.push(`${'host'.padEnd(hostWidth)}  ${'events'.padStart(eventsWidth)} |${heading('fair')} |${heading('FIFO')}`);
  lines.push(
    `${'-'.repeat(hostWidth + 2 + eventsWidth)}-+${'-'.repeat(numberWidth * 3)}-+${'-'.repeat(numberWidth * 3)}`,
  );
  byHost.forEach((row, host) => {
    lines.push(
      `${label(host).padEnd(hostWidth)}  ${n(row.fair.length).padStart(eventsWidth)} |${statCells(waitStats(row.fair))} |${statCells(waitStats(row.fifo))}`,
    );
  });
  lines.push('');
  if (fair.stats !== undefined) lines.push(...libraryStats(fair.stats, label, hostWidth, numberWidth), '');

  // Summary: the quiet hosts' tail, then throughput.
  const quiet = byHost.filter((_, host) => host !== noisyHost);
  const quietFair = waitStats(quiet.flatMap((row) => row.fair));
  const quietFifo = waitStats(quiet.flatMap((row) => row.fifo));
  if (quietFair.count === 0) {
    lines.push(
      `quiet hosts' p99 wait: no quiet host has events (${hosts === 1 ? 'only one host' : 'every event is noisy'})`,
    );
  } else {
    lines.push(
      `quiet hosts' p99 wait: fair ${n(quietFair.p99)} ms vs FIFO ${n(quietFifo.p99)} ms (${ratio(quietFair.p99, quietFifo.p99)})`,
    );
  }
  const spread = Math.abs(fair.makespan - fifo.makespan) / Math.max(1, fifo.makespan);
  lines.push(
    `makespan: fair ${n(fair.makespan)} ms vs FIFO ${n(fifo.makespan)} ms` +
      (spread <= SAME_MAKESPAN
        ? ' (about equal: fairness costs no throughput)'
        : ` (${(spread * 100).toFixed(1)}% apart)`),
  );

  if (wallTime !== undefined) {
    lines.push(`wall time: fair ${seconds(wallTime.fair)} s, FIFO ${seconds(wallTime.fifo)} s to simulate`);
  }

  // Exactly once, within the concurrency limit.
  const expectedSum = events.reduce((sum, event) => sum + event.id, 0);
  const problems = [fair, fifo].flatMap((run) => check(run, events.length, expectedSum, settings.concurrency));
  if (problems.length === 0) {
    lines.push(
      `exactly once: fair and FIFO each processed all ${n(events.length)} events once (count ${n(events.length)}, id sum ${n(expectedSum)}), at most ${settings.concurrency} at a time`,
    );
  } else {
    lines.push(`exactly once: FAILED: ${problems.join('; ')}`);
  }
  return { text: lines.map((line) => `${line}\n`).join(''), ok: problems.length === 0 };
}

/**
 * The fair run as the library's `FairStats` measured it (its final snapshot, one window over the whole run): per
 * host the dispatches and the wait percentiles, then Jain's index over the hosts' dispatch counts.
 */
function libraryStats(
  stats: FairSnapshot,
  label: (host: number) => string,
  hostWidth: number,
  numberWidth: number,
): string[] {
  const columns = ['p50', 'p90', 'p99', 'max'] as const;
  const width = Math.max('dispatched'.length, numberWidth);
  const lines = [
    "the fair run as the library's FairStats saw it (one snapshot at the end: waits within 1 %, Jain's index over the run)",
    `${'host'.padEnd(hostWidth)}  ${'dispatched'.padStart(width)}${columns.map((c) => c.padStart(numberWidth)).join('')}`,
  ];
  stats.keys.forEach((key) => {
    const host = Number(String(key.key).replace('compute', ''));
    const waits = columns.map((c) => cell(key.wait === null ? Number.NaN : key.wait[c], numberWidth)).join('');
    lines.push(`${label(host).padEnd(hostWidth)}  ${n(key.dispatched).padStart(width)}${waits}`);
  });
  const busy = stats.keys.filter((key) => key.busy).length;
  lines.push(
    stats.fairness === null
      ? "Jain's index: no busy host"
      : `Jain's index over the ${plural(busy, 'busy host')}' dispatches: ${stats.fairness.toFixed(3)} (1: equal counts; here it shows the hosts' unequal demand, not unfairness: see the waits)`,
  );
  return lines;
}

/** What is wrong with a run, if anything. */
function check(run: SimulationResult, count: number, expectedSum: number, concurrency: number): string[] {
  const name = run.strategy === 'fair' ? 'fair' : 'FIFO';
  const problems: string[] = [];
  if (run.dispatched !== count) problems.push(`${name} dispatched ${n(run.dispatched)} of ${n(count)} events`);
  if (run.completed !== count) problems.push(`${name} completed ${n(run.completed)} of ${n(count)} events`);
  if (run.duplicates !== 0) problems.push(`${name} handled ${n(run.duplicates)} events twice`);
  if (run.idSum !== expectedSum) problems.push(`${name} id sum ${n(run.idSum)}, expected ${n(expectedSum)}`);
  if (run.maxActive > concurrency) problems.push(`${name} ran ${run.maxActive} actions at once, over ${concurrency}`);
  return problems;
}

function ratio(fair: number, fifo: number): string {
  if (fair === fifo) return 'the same';
  if (fair === 0) return 'fair never waits';
  const times = fifo / fair;
  const shown = (x: number): string => (x >= 10 ? n(Math.round(x)) : x.toFixed(1));
  return times > 1 ? `${shown(times)}× lower` : `${shown(1 / times)}× higher`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${n(count)} ${count === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function cell(value: number, width: number): string {
  return (Number.isNaN(value) ? '-' : n(value)).padStart(width);
}

/** A number as the report shows it: grouped thousands, at most one decimal. */
function n(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
