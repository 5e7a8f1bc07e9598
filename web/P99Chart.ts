import type { Strategy } from '../src/demo/Simulation.js';
import { h, showNumber, srOnly } from './dom.js';
import { formatMs } from './format.js';
import type { HostWaits } from './hostWaits.js';
import { hostColour, noisyMark } from './palette.js';

/** The bars of one host's row, by lane. */
type RowBars = Readonly<Record<Strategy, { readonly bar: HTMLElement; readonly value: HTMLElement }>>;

/**
 * Each host's p99 wait under both dispatchers, as two bars on one linear scale shared by every row (the
 * longest p99 of either run is the full width): fair solid, FIFO outlined, so the lanes differ without colour.
 * Bars and values sit in fixed-size tracks (as wide as the widest value the run can show), so a run's numbers
 * never move the layout.
 */
export class P99Chart {
  readonly element: HTMLElement;
  readonly #rows: HTMLElement;
  #bars: RowBars[] = [];

  constructor() {
    this.#rows = h('div', { class: 'p99-rows' });
    this.element = h(
      'section',
      { class: 'p99', 'aria-labelledby': 'p99-title', 'data-testid': 'p99-chart' },
      h('h2', { id: 'p99-title' }, 'p99 wait per host, both lanes on one scale'),
      h(
        'p',
        { class: 'legend' },
        h('span', { class: 'key key-fair', 'aria-hidden': 'true' }),
        ' fair (solid)  ',
        h('span', { class: 'key key-fifo', 'aria-hidden': 'true' }),
        ' FIFO (outlined)  ',
        h('span', { class: 'noisy-mark', 'aria-hidden': 'true' }, noisyMark),
        ' noisy host',
      ),
      this.#rows,
    );
  }

  /** One row per host, bars empty until {@link show}; no wait will be longer than `longestWait` ms. */
  reset(hosts: number, noisyHost: number | undefined, longestWait: number): void {
    this.#bars = [];
    this.element.style.setProperty('--value-chars', String(formatMs(longestWait).length));
    const rows = Array.from({ length: hosts }, (_, host) => {
      const colour = hostColour(host, noisyHost);
      const noisy = host === noisyHost;
      const line = (strategy: Strategy, tag: string): [HTMLElement, { bar: HTMLElement; value: HTMLElement }] => {
        const bar = h('span', {
          class: `bar bar-${strategy}`,
          style: `--colour:${colour}`,
          'data-testid': `p99-bar-${strategy}-${host}`,
        });
        const value = h('span', { class: 'bar-value' }, '–');
        return [
          h(
            'div',
            { class: 'bar-line' },
            h('span', { class: 'bar-tag' }, tag),
            h('span', { class: 'bar-track' }, bar),
            value,
          ),
          { bar, value },
        ];
      };
      const [fairLine, fair] = line('fair', 'fair');
      const [fifoLine, fifo] = line('fifo', 'FIFO');
      this.#bars.push({ fair, fifo });
      return h(
        'div',
        {
          class: noisy ? 'p99-row noisy' : 'p99-row',
          role: 'group',
          'aria-label': `compute${host}${noisy ? ' (noisy)' : ''}`,
        },
        h(
          'span',
          { class: 'p99-host', 'aria-hidden': 'true' },
          h('span', { class: 'swatch', style: `background:${colour}` }),
          noisy ? h('span', { class: 'noisy-mark' }, noisyMark) : '',
          `compute${host}`,
        ),
        h('div', { class: 'p99-bars' }, fairLine, fifoLine),
      );
    });
    this.#rows.replaceChildren(...rows);
    for (const row of this.#bars) for (const { bar, value } of Object.values(row)) this.#set(bar, value, Number.NaN, 1);
  }

  /** Shows both runs' p99 per host. */
  show(waits: Readonly<Record<Strategy, HostWaits>>): void {
    const all = [...waits.fair.hosts, ...waits.fifo.hosts]
      .map((stats) => stats.p99)
      .filter((p99) => !Number.isNaN(p99));
    const scale = Math.max(1, ...all);
    this.#bars.forEach((row, host) => {
      for (const strategy of ['fair', 'fifo'] as const) {
        const { bar, value } = row[strategy];
        this.#set(bar, value, waits[strategy].hosts[host]?.p99 ?? Number.NaN, scale);
      }
    });
  }

  #set(bar: HTMLElement, value: HTMLElement, p99: number, scale: number): void {
    bar.style.width = Number.isNaN(p99) ? '0' : `max(2px, ${((p99 / scale) * 100).toFixed(2)}%)`;
    showNumber(bar, p99, '');
    showNumber(value, p99, formatMs(p99));
    value.append(srOnly(' p99'));
  }
}
