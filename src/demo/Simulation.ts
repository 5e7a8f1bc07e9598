import { Subject, VirtualTimeScheduler, map, merge, mergeMap, timer, type Observable, type Subscription } from 'rxjs';
import { FairStats, LeafSubject, fairMergeMap, roundRobin, type FairSnapshot, type RoundRobin } from '../index.js';
import type { DemoEvent, Workload } from './generateWorkload.js';

/**
 * How a simulation dispatches: `'fair'` pulls from a `roundRobin` tree (cloud → host → VM → leaf Subject) with
 * `fairMergeMap`; `'fifo'` merges the same leaves and dispatches with RxJS's `mergeMap`, first come first served.
 */
export type Strategy = 'fair' | 'fifo';

/** What a finished (or partly run) simulation measured. */
export interface SimulationResult {
  readonly strategy: Strategy;
  /** Each event's wait, dispatch time − arrival time (ms of virtual time), in `workload.events` order; NaN if never dispatched. */
  readonly waits: Float64Array;
  /** Event ids in the order they were dispatched. */
  readonly dispatchOrder: readonly number[];
  /** Calls of the projection. */
  readonly dispatched: number;
  /** Distinct events whose action completed. */
  readonly completed: number;
  /** Events dispatched or completed more than once (0 when all is well). */
  readonly duplicates: number;
  /** Sum of the ids of the completed events. */
  readonly idSum: number;
  /** The most actions that were running at once. */
  readonly maxActive: number;
  /** Virtual time of the last completion. */
  readonly makespan: number;
  /**
   * The fair run as the library's `FairStats` saw it: one snapshot taken when the output completed, its window
   * the whole run. `undefined` for FIFO, and while the run is not done.
   */
  readonly stats?: FairSnapshot;
}

/**
 * Replays a workload through one dispatch strategy in virtual time (an RxJS `VirtualTimeScheduler`): each event
 * is pushed into its leaf Subject at its arrival time, and its action is `timer(duration, scheduler)`. The wait
 * of an event is measured when the dispatcher calls the projection.
 *
 * Nothing runs until {@link advanceTo} (or {@link runToEnd}): the caller drives virtual time in slices, so a
 * progress line can render between them.
 *
 * @example
 * const sim = new Simulation(workload, 'fair', 16);
 * while (!sim.done) sim.advanceTo(sim.now + 100);
 * sim.result().waits;
 */
export class Simulation {
  readonly #scheduler = new VirtualTimeScheduler(undefined, 0);
  readonly #workload: Workload;
  /** Position of each event in `workload.events`, by id. */
  readonly #indexOf = new Map<number, number>();
  readonly #waits: Float64Array;
  /** 1 once an event's action completed. */
  readonly #completedFlags: Uint8Array;
  readonly #dispatchOrder: number[] = [];
  readonly #subscription: Subscription;
  #completed = 0;
  #duplicates = 0;
  #idSum = 0;
  #active = 0;
  #maxActive = 0;
  #makespan = 0;
  #done = false;
  #failure: { error: unknown } | undefined;
  /** Fires once, when the fair run's output completes: the final `FairStats` snapshot. */
  readonly #finalSnapshot = new Subject<void>();
  #stats: FairSnapshot | undefined;

  constructor(
    workload: Workload,
    readonly strategy: Strategy,
    readonly concurrency: number,
  ) {
    checkWorkload(workload);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`Expected \`concurrency\` to be a positive integer, got ${concurrency}`);
    }
    this.#workload = workload;
    const { events } = workload;
    events.forEach((event, index) => this.#indexOf.set(event.id, index));
    this.#waits = new Float64Array(events.length).fill(Number.NaN);
    this.#completedFlags = new Uint8Array(events.length);

    const scheduler = this.#scheduler;
    const leaves = this.#leaves();
    const act = (event: DemoEvent): Observable<DemoEvent> => {
      this.#dispatch(event);
      return timer(event.duration, scheduler).pipe(map(() => event));
    };
    let output: Observable<DemoEvent>;
    if (strategy === 'fair') {
      const stats = new FairStats<DemoEvent>({ now: () => scheduler.now() });
      stats.snapshots(this.#finalSnapshot).subscribe((snapshot) => (this.#stats = snapshot));
      output = this.#tree(leaves).pipe(fairMergeMap(act, { concurrency, stats }));
    } else {
      output = merge(...leaves).pipe(mergeMap(act, concurrency));
    }
    this.#subscription = output.subscribe({
      next: (event) => this.#complete(event),
      error: (error: unknown) => {
        this.#failure = { error };
      },
      complete: () => {
        this.#finalSnapshot.next();
        this.#finalSnapshot.complete();
        this.#done = true;
      },
    });

    // One pending arrival action at a time (the scheduler sorts its queue on every insert, so scheduling every
    // arrival up front would cost O(n² log n)).
    let next = 0;
    const arrive = (): void => {
      const now = scheduler.now();
      for (let event = events[next]; event !== undefined && event.arrival <= now; event = events[++next]) {
        leaves[this.#leafIndex(event)]!.next(event);
      }
      const upcoming = events[next];
      if (upcoming !== undefined) scheduler.schedule(arrive, upcoming.arrival - now);
      else for (const leaf of leaves) leaf.complete();
    };
    scheduler.schedule(arrive, events[0]?.arrival ?? 0);
  }

  /** The current virtual time. */
  get now(): number {
    return this.#scheduler.now();
  }

  /** Events handed to an action so far. */
  get dispatched(): number {
    return this.#dispatchOrder.length;
  }

  /** Whether the dispatcher's output completed: every event arrived, was dispatched and its action finished. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Runs everything scheduled up to virtual time `frame` (inclusive). Throws if the output errored, or if
   * nothing is left to run while the output has not completed (a dispatcher that stalls).
   */
  advanceTo(frame: number): void {
    if (this.#done) return;
    const scheduler = this.#scheduler;
    scheduler.maxFrames = frame;
    scheduler.flush();
    if (this.#failure !== undefined) throw this.#failure.error;
    if (!this.#done && scheduler.actions.length === 0) {
      this.#subscription.unsubscribe();
      throw new Error(
        `The ${this.strategy} dispatcher stalled at ${this.now} ms: ${this.dispatched} of ${this.#workload.events.length} events dispatched, ${this.#completed} completed, yet nothing is scheduled`,
      );
    }
  }

  /** Runs to the end and returns the result. */
  runToEnd(): SimulationResult {
    this.advanceTo(Infinity);
    return this.result();
  }

  /** What was measured so far (a copy). */
  result(): SimulationResult {
    return {
      strategy: this.strategy,
      waits: this.#waits.slice(),
      dispatchOrder: [...this.#dispatchOrder],
      dispatched: this.dispatched,
      completed: this.#completed,
      duplicates: this.#duplicates,
      idSum: this.#idSum,
      maxActive: this.#maxActive,
      makespan: this.#makespan,
      ...(this.#stats === undefined ? {} : { stats: this.#stats }),
    };
  }

  /** Called by the projection: the dispatcher picked `event` now. */
  #dispatch(event: DemoEvent): void {
    const index = this.#indexOf.get(event.id) as number;
    if (Number.isNaN(this.#waits[index])) this.#waits[index] = this.#scheduler.now() - event.arrival;
    else this.#duplicates++;
    this.#dispatchOrder.push(event.id);
    if (++this.#active > this.#maxActive) this.#maxActive = this.#active;
  }

  /** Called with each action's result: `event`'s action finished now. */
  #complete(event: DemoEvent): void {
    this.#active--;
    const index = this.#indexOf.get(event.id) as number;
    if (this.#completedFlags[index] === 1) {
      this.#duplicates++;
      return;
    }
    this.#completedFlags[index] = 1;
    this.#completed++;
    this.#idSum += event.id;
    this.#makespan = this.#scheduler.now();
  }

  #leafIndex(event: DemoEvent): number {
    const { vms, policies } = this.#workload;
    return (event.host * vms + event.vm) * policies + event.policy;
  }

  /** One Subject per policy of each VM of each host, in `#leafIndex` order (a `LeafSubject`: one subscriber each). */
  #leaves(): Subject<DemoEvent>[] {
    const { hosts, vms, policies } = this.#workload;
    const leaves: Subject<DemoEvent>[] = [];
    for (let i = hosts * vms * policies; i > 0; i--) leaves.push(new LeafSubject<DemoEvent>());
    return leaves;
  }

  /** The nested round-robin: cloud over hosts, each host over its VMs, each VM over its policies' Subjects. */
  #tree(leaves: readonly Subject<DemoEvent>[]): RoundRobin<DemoEvent> {
    const { hosts, vms, policies } = this.#workload;
    const hostNodes: Record<string, RoundRobin<DemoEvent>> = {};
    for (let host = 0; host < hosts; host++) {
      const vmNodes: Record<string, RoundRobin<DemoEvent>> = {};
      for (let vm = 0; vm < vms; vm++) {
        const policyLeaves: Record<string, Observable<DemoEvent>> = {};
        for (let policy = 0; policy < policies; policy++) {
          policyLeaves[`policy${policy}`] = leaves[(host * vms + vm) * policies + policy]!;
        }
        vmNodes[`vm${vm}`] = roundRobin(policyLeaves);
      }
      hostNodes[`compute${host}`] = roundRobin(vmNodes);
    }
    return roundRobin(hostNodes);
  }
}

function checkWorkload(workload: Workload): void {
  const { hosts, vms, policies, events } = workload;
  for (const [name, value] of Object.entries({ hosts, vms, policies })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
  const ids = new Set<number>();
  let previous = 0;
  for (const event of events) {
    const { id, host, vm, policy, arrival, duration } = event;
    const where = `event ${id}`;
    if (ids.has(id)) throw new RangeError(`Duplicate event id ${id}`);
    ids.add(id);
    if (!(Number.isInteger(host) && host >= 0 && host < hosts))
      throw new RangeError(`${where}: host ${host} is out of range`);
    if (!(Number.isInteger(vm) && vm >= 0 && vm < vms)) throw new RangeError(`${where}: vm ${vm} is out of range`);
    if (!(Number.isInteger(policy) && policy >= 0 && policy < policies))
      throw new RangeError(`${where}: policy ${policy} is out of range`);
    if (!(arrival >= previous))
      throw new RangeError(
        `${where}: events must be sorted by arrival time (from 0), got ${arrival} after ${previous}`,
      );
    if (!(duration >= 0 && Number.isFinite(duration)))
      throw new RangeError(`${where}: duration ${duration} is not a non-negative number`);
    previous = arrival;
  }
}
