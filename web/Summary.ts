import type { GeneratedWorkload } from '../src/demo/generateWorkload.js';
import type { SimulationResult, Strategy } from '../src/demo/Simulation.js';
import { h, showNumber } from './dom.js';
import { formatCount, formatMs, formatRatio, formatSeconds } from './format.js';
import type { HostWaits } from './hostWaits.js';
import { fixedSettings, type PageSettings } from './settings.js';

/**
 * The headline: what was run, then tiles with the quiet hosts' p99 wait under each dispatcher, how they compare,
 * the makespans and the exactly-once check. Each number has a tile of its own, so a number arriving never moves
 * another.
 */
export class Summary {
  readonly element: HTMLElement;
  readonly #workload: HTMLElement;
  readonly #totalEvents: HTMLElement;
  readonly #quiet: Readonly<Record<Strategy, HTMLElement>>;
  readonly #ratio: HTMLElement;
  readonly #makespan: Readonly<Record<Strategy, HTMLElement>>;
  readonly #exactlyOnce: HTMLElement;
  readonly #checks: HTMLElement;

  constructor() {
    const tiles: HTMLElement[] = [];
    const tile = (label: string, testId: string, extraClass = ''): HTMLElement => {
      const value = h('dd', { 'data-testid': testId }, '–');
      tiles.push(h('div', { class: `tile ${extraClass}`.trim() }, h('dt', {}, label), value));
      return value;
    };
    this.#quiet = {
      fair: tile("quiet hosts' p99 wait, fair", 'quiet-p99-fair', 'tile-fair'),
      fifo: tile("quiet hosts' p99 wait, FIFO", 'quiet-p99-fifo'),
    };
    this.#ratio = tile('fair vs FIFO', 'quiet-ratio', 'tile-ratio');
    this.#makespan = { fair: tile('makespan, fair', 'makespan-fair'), fifo: tile('makespan, FIFO', 'makespan-fifo') };
    this.#exactlyOnce = tile('every event exactly once', 'exactly-once');
    this.#totalEvents = h('span', { 'data-testid': 'total-events' }, '–');
    this.#workload = h('span', {}, '');
    this.#checks = h('p', { class: 'checks', 'data-testid': 'checks' }, '');
    this.element = h(
      'section',
      { class: 'summary', 'aria-label': 'Summary', 'data-testid': 'summary' },
      h('p', { class: 'workload' }, this.#totalEvents, ' events: ', this.#workload),
      h('dl', { class: 'tiles' }, ...tiles),
      this.#checks,
    );
  }

  /** Describes the run about to start and clears the results. */
  reset(settings: PageSettings, workload: GeneratedWorkload): void {
    const { hosts, vms, policies, events, noisyHost } = workload;
    showNumber(this.#totalEvents, events.length, formatCount(events.length));
    this.#workload.textContent =
      `${hosts} hosts × ${vms} VMs × ${policies} policies (${formatCount(hosts * vms * policies)} queues); ` +
      (noisyHost === undefined
        ? 'no noisy host'
        : `compute${noisyHost} sends ${formatCount(workload.noisyEvents)} in a burst over the first ${formatSeconds(workload.burstEnd)}`) +
      `, the others trickle in over ${formatSeconds(workload.horizon)}; actions take ${workload.minDuration}-${workload.maxDuration} ms of ` +
      `virtual time; concurrency ${settings.concurrency}; seed ${fixedSettings.seed}.`;
    for (const strategy of ['fair', 'fifo'] as const) {
      showNumber(this.#quiet[strategy], Number.NaN, '–');
      showNumber(this.#makespan[strategy], Number.NaN, '–');
    }
    this.#ratio.textContent = '–';
    this.#exactlyOnce.textContent = '–';
    delete this.#exactlyOnce.dataset['ok'];
    this.#checks.textContent = '';
  }

  /** Shows the finished runs; `problems` lists what went wrong in each (nothing, normally). */
  show(
    results: Readonly<Record<Strategy, SimulationResult>>,
    waits: Readonly<Record<Strategy, HostWaits>>,
    problems: Readonly<Record<Strategy, readonly string[]>>,
    settings: PageSettings,
  ): void {
    for (const strategy of ['fair', 'fifo'] as const) {
      const p99 = waits[strategy].quiet.p99;
      showNumber(this.#quiet[strategy], p99, formatMs(p99));
      const { makespan } = results[strategy];
      showNumber(this.#makespan[strategy], makespan, formatSeconds(makespan));
    }
    this.#ratio.textContent =
      waits.fair.quiet.count === 0 ? 'no quiet events' : formatRatio(waits.fair.quiet.p99, waits.fifo.quiet.p99);
    const failed = [...problems.fair.map((p) => `fair ${p}`), ...problems.fifo.map((p) => `FIFO ${p}`)];
    const ok = failed.length === 0;
    this.#exactlyOnce.textContent = ok ? '✓ yes' : '✗ no';
    this.#exactlyOnce.dataset['ok'] = String(ok);
    this.#checks.textContent = ok
      ? `Both lanes dispatched and completed all ${formatCount(results.fair.dispatched)} events once each (count and id sum), at most ${settings.concurrency} at a time.`
      : `Check failed: ${failed.join('; ')}.`;
  }
}
