import type { GeneratedWorkload } from '../src/demo/generateWorkload.js';
import type { Simulation, Strategy } from '../src/demo/Simulation.js';
import { DispatchStrip } from './DispatchStrip.js';
import { h, showNumber } from './dom.js';
import { formatCount, formatSeconds } from './format.js';
import type { HostWaits } from './hostWaits.js';
import { WaitTable } from './WaitTable.js';

/** How each lane is titled and what it runs. */
const LANES: Readonly<Record<Strategy, { readonly title: string; readonly pipeline: string; readonly name: string }>> =
  {
    fair: {
      title: 'fairMergeMap',
      pipeline: 'roundRobin(hosts → VMs → policies) + fairMergeMap(act, n)',
      name: 'fair',
    },
    fifo: { title: 'mergeMap (FIFO)', pipeline: 'merge(...policy queues) + mergeMap(act, n)', name: 'FIFO' },
  };

/**
 * One dispatcher's lane: live counters (events dispatched, quiet hosts' events waiting right now, the virtual
 * clock), the dispatch strip, and the table of waits per host once the run is over.
 */
export class Lane {
  readonly element: HTMLElement;
  readonly #strip: DispatchStrip;
  readonly #table: WaitTable;
  readonly #dispatched: HTMLElement;
  readonly #quietWaiting: HTMLElement;
  readonly #clock: HTMLElement;
  #workload: GeneratedWorkload | undefined;
  /** Position of each event in `workload.events`, by id. */
  #indexOf = new Map<number, number>();
  /** Dispatches already drawn. */
  #seen = 0;
  /** Events that arrived so far (a prefix of `workload.events`, which is sorted by arrival). */
  #arrived = 0;
  #quietArrived = 0;
  #quietDispatched = 0;

  constructor(readonly strategy: Strategy) {
    const { title, pipeline, name } = LANES[strategy];
    const counter = (label: string, testId: string): [HTMLElement, HTMLElement] => {
      const value = h('dd', { 'data-testid': `${strategy}-${testId}` }, '–');
      return [h('div', {}, h('dt', {}, label), value), value];
    };
    const [dispatchedBox, dispatched] = counter('dispatched', 'dispatched');
    const [waitingBox, quietWaiting] = counter("quiet hosts' events waiting", 'quiet-waiting');
    const [clockBox, clock] = counter('virtual time', 'clock');
    this.#dispatched = dispatched;
    this.#quietWaiting = quietWaiting;
    this.#clock = clock;
    this.#strip = new DispatchStrip(`${title} lane`, `${strategy}-strip`);
    this.#table = new WaitTable(strategy, `${name}: wait from arrival to dispatch, ms of virtual time`);
    this.element = h(
      'section',
      {
        class: `lane lane-${strategy}`,
        'aria-labelledby': `lane-${strategy}-title`,
        'data-testid': `lane-${strategy}`,
      },
      h('h2', { id: `lane-${strategy}-title` }, title),
      h('p', { class: 'pipeline' }, h('code', {}, pipeline)),
      h('dl', { class: 'counters' }, dispatchedBox, waitingBox, clockBox),
      this.#strip.element,
      this.#table.element,
    );
  }

  /** Clears the lane for a run of `workload`, its strip showing `span` ms of virtual time (the longest wait). */
  start(workload: GeneratedWorkload, span: number): void {
    this.#workload = workload;
    this.#indexOf = new Map(workload.events.map((event, index) => [event.id, index]));
    this.#seen = 0;
    this.#arrived = 0;
    this.#quietArrived = 0;
    this.#quietDispatched = 0;
    this.#strip.reset(workload.hosts, workload.noisyHost, span, workload.events.length);
    this.#table.reset(workload.hosts, workload.noisyHost, span);
    this.#showCounters(0);
  }

  /** Draws what `simulation` dispatched since the last call and updates the counters. */
  update(simulation: Simulation): void {
    const workload = this.#workload;
    if (workload === undefined) return;
    const { events, noisyHost } = workload;
    if (simulation.dispatched > this.#seen) {
      const { dispatchOrder, waits } = simulation.result();
      for (let i = this.#seen; i < dispatchOrder.length; i++) {
        const index = this.#indexOf.get(dispatchOrder[i] as number) as number;
        const event = events[index];
        if (event === undefined) continue;
        this.#strip.add(event.arrival + (waits[index] as number), event.host);
        if (event.host !== noisyHost) this.#quietDispatched++;
      }
      this.#seen = dispatchOrder.length;
      this.#strip.paint();
    }
    const now = simulation.now;
    for (
      let event = events[this.#arrived];
      event !== undefined && event.arrival <= now;
      event = events[++this.#arrived]
    ) {
      if (event.host !== noisyHost) this.#quietArrived++;
    }
    this.#strip.setNow(now);
    this.#showCounters(now);
  }

  /** Shows the finished run's waits per host; `events[host]` is how many events each host sent. */
  finish(events: readonly number[], waits: HostWaits): void {
    this.#table.show(events, waits);
  }

  #showCounters(now: number): void {
    const total = this.#workload?.events.length ?? 0;
    showNumber(this.#dispatched, this.#seen, `${formatCount(this.#seen)} / ${formatCount(total)}`);
    const waiting = this.#quietArrived - this.#quietDispatched;
    showNumber(this.#quietWaiting, waiting, formatCount(waiting));
    showNumber(this.#clock, now, formatSeconds(now));
  }
}
