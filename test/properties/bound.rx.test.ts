import fc from 'fast-check';
import { Subject, finalize, of, type Observable } from 'rxjs';
import { describe, it } from 'vitest';
import {
  BoundedFifoQueue,
  FifoQueue,
  OverflowError,
  RoundRobinQueue,
  fairMergeMap,
  roundRobin,
  type DropReason,
  type Dropped,
  type OverflowPolicy,
  type RoundRobin,
} from '../../src/index.js';
import { pick, same } from './arbitraries.js';

/**
 * Properties of bounded leaves in the reactive layer (issue 6, feature 4). The reference is the core tree with
 * `BoundedFifoQueue` leaves (itself checked against `BoundModel` in `bound.core.test.ts`), fed the same events
 * and driven by the dispatch rule: while a slot is free, take the next event. Checked after every step: the exact
 * dispatch order (so per-leaf FIFO among the survivors), the exact reports on `dropped` in order (event, reason,
 * path, `replacedBy`), `arrived = dispatched + dropped + queued`, never more than `size` queued in a leaf; at the
 * end, every survivor is dispatched and the output completes. With `'error'` the output errors with the
 * `OverflowError` exactly when the reference's push throws.
 */

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 200);

const policyArb = fc.constantFrom<OverflowPolicy>('error', 'drop-oldest', 'drop-newest', 'latest');
const concurrencyArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

type Cmd =
  | { readonly t: 'arrive'; readonly leaf: number; readonly count: number; readonly sync: boolean }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'pause' | 'resume'; readonly leaf: number; readonly host: boolean };

const sel = fc.nat({ max: 15 });
const cmdArb = (withPause: boolean): fc.Arbitrary<Cmd> =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        t: fc.constant('arrive' as const),
        leaf: sel,
        count: fc.integer({ min: 1, max: 4 }),
        sync: fc.nat({ max: 5 }).map((n) => n === 0),
      }),
    },
    { weight: 8, arbitrary: fc.record({ t: fc.constant('finish' as const), which: sel }) },
    {
      weight: withPause ? 2 : 0,
      arbitrary: fc.record({ t: fc.constant('pause' as const), leaf: sel, host: fc.boolean() }),
    },
    {
      weight: withPause ? 2 : 0,
      arbitrary: fc.record({ t: fc.constant('resume' as const), leaf: sel, host: fc.boolean() }),
    },
  );

interface Ev {
  readonly id: string;
  readonly path: readonly string[];
  readonly sync: boolean;
}

/** A report as compared: ids instead of events. */
interface Seen {
  readonly id: string;
  readonly reason: DropReason;
  readonly path: readonly unknown[];
  readonly by?: string;
}

const LEAVES = [
  ['h0', 'v0'],
  ['h0', 'v1'],
  ['h1', 'v0'],
  ['h1', 'v1'],
  ['h2', 'v0'],
] as const;

/** The reference dispatcher over a core tree whose leaves report drops into `reports`. */
class Reference {
  readonly dispatched: string[] = [];
  readonly active = new Set<string>();
  readonly reports: Seen[] = [];
  pushed = 0;

  constructor(
    readonly queue: RoundRobinQueue<Ev, unknown>,
    readonly concurrency: number,
  ) {}

  /** The `onDrop` of the reference's leaves. */
  readonly onDrop = (event: Ev, reason: DropReason, path: readonly unknown[]): void => {
    this.reports.push({ id: event.id, reason, path: [...path] });
  };

  /** Queues an event (a 'latest' report gets its `by`); throws the `OverflowError` of a full 'error' leaf. */
  push(event: Ev): void {
    const before = this.reports.length;
    this.queue.push(event.path, event);
    this.pushed++;
    const report = this.reports[before];
    if (report?.reason === 'latest') this.reports[before] = { ...report, by: event.id };
    this.pump();
  }

  pump(): void {
    while (this.active.size < this.concurrency && this.queue.ready) {
      const event = this.queue.next() as Ev;
      this.dispatched.push(event.id);
      if (!event.sync) this.active.add(event.id);
    }
  }

  finish(id: string): void {
    this.active.delete(id);
    this.pump();
  }
}

/** The implementation's side: projections the test completes, and the reports on `dropped`. */
class Observed {
  readonly dispatched: string[] = [];
  readonly projections = new Map<string, Subject<string>>();
  readonly reports: Seen[] = [];
  error: unknown;
  completed = false;

  readonly dropped = (d: Dropped<Ev>): void => {
    this.reports.push(
      d.reason === 'latest'
        ? { id: d.event.id, reason: d.reason, path: d.path, by: d.replacedBy?.id as string }
        : { id: d.event.id, reason: d.reason, path: d.path },
    );
  };

  readonly project = (event: Ev): Observable<string> => {
    this.dispatched.push(event.id);
    if (event.sync) return of(`r:${event.id}`);
    const subject = new Subject<string>();
    this.projections.set(event.id, subject);
    return subject.pipe(finalize(() => this.projections.delete(event.id)));
  };

  subscribe(output: Observable<string>): void {
    output.subscribe({ error: (err: unknown) => (this.error = err), complete: () => (this.completed = true) });
  }

  finish(id: string): void {
    const subject = this.projections.get(id) as Subject<string>;
    subject.next(`r:${id}`);
    subject.complete();
  }
}

/** Bounds as given to the reference's core leaves and to the reactive layer. */
function bounds(overflow: OverflowPolicy, n: number) {
  const size = overflow === 'latest' ? undefined : n;
  return { size, overflow, capacity: overflow === 'latest' ? 1 : n };
}

/**
 * Runs the commands on both sides and checks them after each. `arrive(event)` feeds the implementation;
 * `queued()` is what it still holds; pause/resume act on both. Returns once the run ends (drained or errored).
 */
function drive(
  cmds: readonly Cmd[],
  ref: Reference,
  obs: Observed,
  capacity: number,
  io: {
    arrive(event: Ev): void;
    end(): void;
    queued(): number | undefined;
    pause?(path: readonly string[], pause: boolean): void;
  },
): void {
  let n = 0;
  const check = (what: string): void => {
    same(obs.error, undefined, `after ${what}: output error`);
    same(obs.dispatched, ref.dispatched, `after ${what}: dispatch order`);
    same(obs.reports, ref.reports, `after ${what}: reports`);
    const queued = io.queued();
    if (queued !== undefined)
      same(
        n,
        obs.dispatched.length + obs.reports.length + queued,
        `after ${what}: arrived = dispatched + dropped + queued`,
      );
    for (const [host, vm] of LEAVES) {
      const leaf = (ref.queue.get(host) as RoundRobinQueue<Ev, unknown> | undefined)?.get(vm);
      if (leaf instanceof BoundedFifoQueue && leaf.size > capacity)
        throw new Error(`after ${what}: ${host}/${vm} holds ${leaf.size}`);
    }
  };
  for (const cmd of cmds) {
    if (cmd.t === 'arrive') {
      const path = pick(LEAVES, cmd.leaf) as readonly string[];
      for (let i = 0; i < cmd.count; i++) {
        const event: Ev = { id: `e${n}`, path, sync: cmd.sync };
        try {
          ref.push(event);
        } catch (err) {
          if (!(err instanceof OverflowError)) throw err;
          // The reference refused it: the output errors with the same OverflowError, nothing else changes.
          io.arrive(event);
          same(
            obs.error instanceof OverflowError && (obs.error as OverflowError).path.join('/') === err.path.join('/'),
            true,
            'the output errors with the OverflowError',
          );
          same(obs.dispatched, ref.dispatched, 'dispatch order at the overflow');
          return;
        }
        n++;
        io.arrive(event);
      }
    } else if (cmd.t === 'finish') {
      const id = pick([...ref.active], cmd.which);
      if (id === undefined) continue;
      ref.finish(id);
      obs.finish(id);
    } else {
      if (io.pause === undefined) continue;
      const leaf = pick(LEAVES, cmd.leaf) as readonly string[];
      io.pause(cmd.host ? leaf.slice(0, 1) : leaf, cmd.t === 'pause');
    }
    check(cmd.t);
  }
  io.end();
  while (ref.active.size > 0) {
    const id = [...ref.active][0] as string;
    ref.finish(id);
    obs.finish(id);
    check('the drain');
  }
  same(obs.completed, true, 'completed after the drain');
  same(obs.dispatched.length + obs.reports.length, n, 'every event dispatched or reported');
}

describe('fairMergeMap with by and bound (properties)', () => {
  it('should dispatch and report like the core tree with bounded leaves', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 3 }),
        concurrencyArb,
        fc.array(cmdArb(false), { maxLength: 60, size: 'max' }),
        (overflow, n, concurrency, cmds) => {
          const { size, capacity } = bounds(overflow, n);
          const obs = new Observed();
          const ref: Reference = new Reference(
            new RoundRobinQueue<Ev, unknown>(undefined, {
              pathBound: { size, overflow, onDrop: (e, r, p) => ref.onDrop(e, r, p) },
            }),
            concurrency,
          );
          const source = new Subject<Ev>();
          obs.subscribe(
            source.pipe(
              fairMergeMap(obs.project, {
                concurrency,
                by: (e: Ev) => e.path,
                bound: { size, overflow, dropped: obs.dropped },
              }),
            ),
          );
          drive(cmds, ref, obs, capacity, {
            arrive: (e) => source.next(e),
            end: () => source.complete(),
            queued: () => undefined,
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});

describe('roundRobin with bounds (properties)', () => {
  it('should dispatch and report like the core tree with bounded leaves, paused ones included', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 3 }),
        concurrencyArb,
        fc.array(fc.boolean(), { minLength: LEAVES.length, maxLength: LEAVES.length }),
        fc.array(cmdArb(true), { maxLength: 60, size: 'max' }),
        (overflow, n, concurrency, bounded, cmds) => {
          const { size, capacity } = bounds(overflow, n);
          const obs = new Observed();
          // The same tree twice: roundRobin nodes over Subjects, and core nodes over (bounded) FifoQueues.
          const subjects = new Map<string, Subject<Ev>>();
          const hosts = new Map<string, RoundRobin<Ev, string>>();
          const core = new Map<string, RoundRobinQueue<Ev, string>>();
          let ref: Reference | undefined;
          const onDrop = (e: Ev, r: DropReason, p: readonly unknown[]): void => ref?.onDrop(e, r, p);
          for (const host of new Set(LEAVES.map(([h]) => h))) {
            const vms = new Map<string, Subject<Ev>>();
            const coreVms = new Map<string, FifoQueue<Ev>>();
            const hostBounds: Record<
              string,
              { size: number | undefined; overflow: OverflowPolicy; dropped: (d: Dropped<Ev>) => void }
            > = {};
            LEAVES.forEach(([h, vm], i) => {
              if (h !== host) return;
              const subject = new Subject<Ev>();
              subjects.set(`${h}/${vm}`, subject);
              vms.set(vm, subject);
              coreVms.set(
                vm,
                bounded[i] === true ? new BoundedFifoQueue<Ev>({ size, overflow, onDrop }) : new FifoQueue<Ev>(),
              );
              if (bounded[i] === true) hostBounds[vm] = { size, overflow, dropped: obs.dropped };
            });
            hosts.set(host, roundRobin(Object.fromEntries(vms), { bounds: hostBounds }));
            core.set(host, new RoundRobinQueue<Ev, string>(coreVms));
          }
          const cloud = roundRobin(Object.fromEntries(hosts));
          ref = new Reference(new RoundRobinQueue<Ev, unknown>(core), concurrency);
          const reference = ref;
          obs.subscribe(cloud.pipe(fairMergeMap(obs.project, concurrency)));
          drive(cmds, reference, obs, capacity, {
            arrive: (e) => subjects.get(e.path.join('/'))?.next(e),
            end: () => {
              // Each resume dispatches at once what it lets through, as `resume` does.
              for (const host of hosts.keys()) {
                cloud.resume(host);
                reference.queue.resume(host);
                reference.pump();
              }
              for (const [host, vm] of LEAVES) {
                (hosts.get(host) as RoundRobin<Ev, string>).resume(vm);
                (core.get(host) as RoundRobinQueue<Ev, string>).resume(vm);
                reference.pump();
              }
              for (const subject of subjects.values()) subject.complete();
            },
            queued: () => cloud.size,
            pause: ([host, vm], pause) => {
              const rxNode = vm === undefined ? cloud : (hosts.get(host as string) as RoundRobin<Ev, string>);
              const coreNode =
                vm === undefined ? reference.queue : (core.get(host as string) as RoundRobinQueue<Ev, unknown>);
              const key = vm ?? (host as string);
              if (pause) {
                rxNode.pause(key);
                coreNode.pause(key);
              } else {
                rxNode.resume(key);
                coreNode.resume(key);
                reference.pump();
              }
            },
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});
