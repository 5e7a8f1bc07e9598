import { h, srOnly } from './dom.js';
import { formatSeconds } from './format.js';
import { hatchPattern, hostColour, noisyMark } from './palette.js';

/** Ticks on the time axis under the strip, evenly spaced from 0 to the span. */
const AXIS_TICKS = 5;

/**
 * One lane's picture of the run: a row per host, virtual time from left to right, and a tick in the host's row
 * (in its colour) for each event dispatched, at the moment it was dispatched. A cursor shows the simulation's
 * clock. The strip's size is fixed in CSS: adding ticks or moving the cursor never moves anything else on the
 * page. The canvas is redrawn from the recorded ticks when its size changes.
 */
export class DispatchStrip {
  /** The strip: host labels, the canvas with the cursor, the time axis. */
  readonly element: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #labels: HTMLOListElement;
  readonly #cursor: HTMLElement;
  readonly #axis: HTMLElement;
  #hosts = 1;
  #noisyHost: number | undefined;
  /** Virtual time shown across the strip's width, ms. */
  #span = 1;
  /** Dispatch times and hosts of the ticks recorded so far. */
  #times = new Float64Array(0);
  #hostOf = new Uint16Array(0);
  #count = 0;
  /** Ticks already painted on the canvas. */
  #painted = 0;

  /** @param name What the lane is called, for the canvas's accessible name. */
  constructor(name: string, testId: string) {
    this.#canvas = h('canvas', {
      role: 'img',
      'aria-label': `${name}: each event's dispatch over virtual time, one row per host; the table below has the numbers`,
      'data-testid': testId,
    });
    this.#cursor = h('div', { class: 'cursor', 'aria-hidden': 'true' });
    this.#labels = h('ol', { class: 'strip-labels' });
    this.#axis = h('div', { class: 'axis', 'aria-hidden': 'true' });
    this.element = h(
      'div',
      { class: 'strip' },
      this.#labels,
      h('div', { class: 'strip-plot' }, this.#canvas, this.#cursor),
      h('div', { class: 'axis-spacer' }),
      this.#axis,
    );
    new ResizeObserver(() => this.#repaint()).observe(this.#canvas);
  }

  /** Clears the strip for a run of `events` events over `hosts` hosts, showing `span` ms of virtual time. */
  reset(hosts: number, noisyHost: number | undefined, span: number, events: number): void {
    this.#hosts = hosts;
    this.#noisyHost = noisyHost;
    this.#span = span;
    this.#times = new Float64Array(events);
    this.#hostOf = new Uint16Array(events);
    this.#count = 0;

    this.#labels.replaceChildren(
      ...Array.from({ length: hosts }, (_, host) =>
        h(
          'li',
          { class: host === noisyHost ? 'noisy' : '' },
          h('span', { class: 'swatch', style: `background:${hostColour(host, noisyHost)}`, 'aria-hidden': 'true' }),
          host === noisyHost ? h('span', { class: 'noisy-mark', 'aria-hidden': 'true' }, noisyMark) : '',
          `compute${host}`,
          host === noisyHost ? srOnly(' (noisy)') : '',
        ),
      ),
    );
    this.#axis.replaceChildren(
      ...Array.from({ length: AXIS_TICKS }, (_, i) => h('span', {}, formatSeconds((span * i) / (AXIS_TICKS - 1)))),
    );
    this.setNow(0);
    this.#repaint();
  }

  /** Records one dispatch; it is painted by the next {@link paint}. */
  add(time: number, host: number): void {
    if (this.#count >= this.#times.length) return;
    this.#times[this.#count] = time;
    this.#hostOf[this.#count] = host;
    this.#count++;
  }

  /** Paints the dispatches recorded since the last call. */
  paint(): void {
    const context = this.#canvas.getContext('2d');
    if (context === null) return;
    this.#paintTicks(context, this.#painted, this.#count);
    this.#painted = this.#count;
  }

  /** Moves the clock cursor to virtual time `now` (ms). */
  setNow(now: number): void {
    this.#cursor.style.left = `${Math.min(100, (now / this.#span) * 100)}%`;
  }

  /** Sizes the canvas to its box (in device pixels) and paints the rows and every recorded tick. */
  #repaint(): void {
    const canvas = this.#canvas;
    const scale = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * scale));
    const height = Math.max(1, Math.round(canvas.clientHeight * scale));
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const context = canvas.getContext('2d');
    if (context === null) return;

    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    for (let host = 0; host < this.#hosts; host++) {
      const [top, bottom] = this.#row(host, height);
      if (host === this.#noisyHost) {
        context.fillStyle = hatchPattern(context, scale) ?? '#eeeeee';
      } else {
        context.fillStyle = host % 2 === 0 ? '#ffffff' : '#f4f4f4';
      }
      context.fillRect(0, top, width, bottom - top);
    }
    this.#paintTicks(context, 0, this.#count);
    this.#painted = this.#count;
  }

  #paintTicks(context: CanvasRenderingContext2D, from: number, to: number): void {
    const { width, height } = this.#canvas;
    const tick = Math.max(1, Math.round(window.devicePixelRatio || 1));
    const inset = Math.max(1, Math.round(height / this.#hosts / 8));
    context.globalAlpha = 0.6;
    for (let i = from; i < to; i++) {
      const host = this.#hostOf[i] as number;
      const x = Math.min(width - tick, Math.floor(((this.#times[i] as number) / this.#span) * width));
      const [top, bottom] = this.#row(host, height);
      context.fillStyle = hostColour(host, this.#noisyHost);
      context.fillRect(x, top + inset, tick, bottom - top - 2 * inset);
    }
    context.globalAlpha = 1;
  }

  /** Top and bottom of a host's row, in device pixels. */
  #row(host: number, height: number): [number, number] {
    return [Math.round((host * height) / this.#hosts), Math.round(((host + 1) * height) / this.#hosts)];
  }
}
