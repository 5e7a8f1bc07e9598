import type { Strategy } from '../src/demo/Simulation.js';
import type { WaitPercentiles } from '../src/core/WaitSketch.js';
import { h, showNumber, srOnly } from './dom.js';
import { formatCount, formatNumber } from './format.js';
import type { HostWaits } from './hostWaits.js';
import { hostColour, noisyMark } from './palette.js';

/** The statistics each row shows, in column order. */
const COLUMNS = ['p50', 'p99', 'max'] as const;

/** The cells of one row that change: events, then the {@link COLUMNS}. */
interface RowCells {
  readonly events: HTMLTableCellElement;
  readonly stats: readonly HTMLTableCellElement[];
}

/**
 * One lane's waits per host: events, p50, p99 and max from arrival to dispatch, then the quiet hosts together
 * and the total. Every number cell has a `data-testid` (`fair-host-3-p99`, `fifo-quiet-p99`,
 * `fair-total-events`, ...) and its raw value in `data-value`.
 *
 * Every column has a fixed width, the waits' as wide as the longest wait the run can show (set at {@link reset}),
 * so the numbers arriving never move a column; if they do not fit a phone's width, the table scrolls in its box.
 */
export class WaitTable {
  /** The table in its scrolling box. */
  readonly element: HTMLElement;
  readonly #table: HTMLTableElement;
  readonly #strategy: Strategy;
  readonly #body: HTMLTableSectionElement;
  readonly #quiet: RowCells;
  readonly #total: HTMLTableCellElement;
  #rows: RowCells[] = [];
  #noisyHost: number | undefined;

  constructor(strategy: Strategy, caption: string) {
    this.#strategy = strategy;
    this.#body = h('tbody');
    const quietRow = this.#row(h('th', { scope: 'row' }, 'quiet hosts'), `${strategy}-quiet`);
    this.#quiet = quietRow.cells;
    this.#total = h('td', { 'data-testid': `${strategy}-total-events` }, '–');
    this.#table = h(
      'table',
      { class: 'waits', 'data-testid': `${strategy}-waits` },
      h('caption', {}, caption),
      h(
        'colgroup',
        {},
        h('col', { class: 'col-host' }),
        h('col', { class: 'col-events' }),
        ...COLUMNS.map(() => h('col', { class: 'col-wait' })),
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'host'),
          h('th', { scope: 'col' }, 'events'),
          ...COLUMNS.map((column) => h('th', { scope: 'col' }, column)),
        ),
      ),
      this.#body,
      h(
        'tfoot',
        {},
        quietRow.element,
        h('tr', {}, h('th', { scope: 'row' }, 'all hosts'), this.#total, h('td', { colspan: String(COLUMNS.length) })),
      ),
    );
    this.element = h('div', { class: 'table-box' }, this.#table);
  }

  /** One row per host, every number a dash until {@link show}; no wait will be longer than `longestWait` ms. */
  reset(hosts: number, noisyHost: number | undefined, longestWait: number): void {
    this.#noisyHost = noisyHost;
    this.#table.style.setProperty('--wait-chars', String(formatNumber(longestWait).length));
    const rows = Array.from({ length: hosts }, (_, host) => {
      const noisy = host === noisyHost;
      const label = h(
        'th',
        { scope: 'row' },
        h('span', { class: 'swatch', style: `background:${hostColour(host, noisyHost)}`, 'aria-hidden': 'true' }),
        noisy ? h('span', { class: 'noisy-mark', 'aria-hidden': 'true' }, `${noisyMark} `) : '',
        `compute${host}`,
        noisy ? srOnly(' (noisy)') : '',
      );
      const row = this.#row(label, `${this.#strategy}-host-${host}`);
      if (noisy) row.element.classList.add('noisy');
      return row;
    });
    this.#rows = rows.map((row) => row.cells);
    this.#body.replaceChildren(...rows.map((row) => row.element));
    for (const cells of [...this.#rows, this.#quiet]) this.#fill(cells, Number.NaN, undefined);
    showNumber(this.#total, Number.NaN, '–');
  }

  /** Shows a finished run's numbers. `events[host]` is how many events each host sent. */
  show(events: readonly number[], waits: HostWaits): void {
    this.#rows.forEach((cells, host) => this.#fill(cells, events[host] ?? 0, waits.hosts[host]));
    const total = events.reduce((sum, count) => sum + count, 0);
    const noisy = this.#noisyHost === undefined ? 0 : (events[this.#noisyHost] ?? 0);
    this.#fill(this.#quiet, total - noisy, waits.quiet);
    showNumber(this.#total, total, formatCount(total));
  }

  #fill(cells: RowCells, events: number, stats: WaitPercentiles | undefined): void {
    showNumber(cells.events, events, Number.isNaN(events) ? '–' : formatCount(events));
    COLUMNS.forEach((column, i) => {
      const value = stats?.[column] ?? Number.NaN;
      showNumber(cells.stats[i] as HTMLTableCellElement, value, formatNumber(value));
    });
  }

  #row(label: HTMLTableCellElement, testId: string): { element: HTMLTableRowElement; cells: RowCells } {
    const events = h('td', { 'data-testid': `${testId}-events` }, '–');
    const stats = COLUMNS.map((column) => h('td', { 'data-testid': `${testId}-${column}` }, '–'));
    return { element: h('tr', { 'data-testid': testId }, label, events, ...stats), cells: { events, stats } };
  }
}
