import fc from 'fast-check';
import { Subject, finalize, of, type Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { fairMergeMap, roundRobin, type RoundRobin } from '../../src/index.js';
import { nodeSpecArb, pick, same, type ChildKey, type NodeSpec } from './arbitraries.js';
import {
  childAt,
  countQueued,
  modelLeaf,
  modelNode,
  normalize,
  pushPath,
  takeNext,
  type ModelLeaf,
  type ModelNode,
  type ModelTree,
} from './model.js';

/**
 * Properties of cost-aware slots (issue 6, feature 3): `fairMergeMap(project, { concurrency, cost })` over the three
 * kinds of source (a `roundRobin` node, a flat stream with `by`, with and without caps, and a plain FIFO stream),
 * with random trees, arrivals, random costs (some above `concurrency`), projection completions in any order,
 * synchronous projections and leaf completions.
 *
 * The reference is the model of `model.ts` (the plain rotation order) driven by the cost rule, written out plainly
 * below: while slots are free, take the next event in rotation order; one whose cost (at most `concurrency`) does
 * not fit in the free slots is held, and nothing is taken until it fits. Checked after every step: the exact
 * dispatch order; never more than `concurrency` slots in use; `cost` asked exactly once per event, only for events
 * dispatched or held; completion exactly when the sources completed and nothing is queued, held or running; and
 * at the end every event dispatched exactly once.
 */

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 300);

type Kind = 'node' | 'by' | 'byCaps' | 'fifo';

interface Ev {
  readonly id: string;
  readonly path: readonly ChildKey[];
  readonly cost: number;
  readonly sync: boolean;
}

type Cmd =
  | { readonly t: 'arrive'; readonly leaf: number; readonly costs: readonly number[]; readonly sync: boolean }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'end'; readonly leaf: number };

const sel = fc.nat({ max: 15 });
/** Mostly 1 to 4; some 5 to 9, often above `concurrency` (clamped to it). */
const costArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.integer({ min: 2, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5, max: 9 }) },
);
const arriveArb = fc.record({
  t: fc.constant('arrive' as const),
  leaf: sel,
  costs: fc.array(costArb, { minLength: 1, maxLength: 4 }),
  sync: fc.nat({ max: 4 }).map((n) => n === 0),
});
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 10, arbitrary: arriveArb },
  { weight: 10, arbitrary: fc.record({ t: fc.constant('finish' as const), which: sel }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('end' as const), leaf: sel }) },
);
const concurrencyArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 6 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);
const capArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(Infinity) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2 }) },
);

/** The key paths of the leaves of a tree shape. */
function leafPaths(spec: NodeSpec<{ readonly t: 'leaf' }>, prefix: ChildKey[] = []): ChildKey[][] {
  return spec.children.flatMap((c) =>
    c.spec.t === 'leaf' ? [[...prefix, c.key]] : leafPaths(c.spec, [...prefix, c.key]),
  );
}

/** The same shape twice: `roundRobin` nodes over Subjects, and a model tree. */
function buildBoth(
  spec: NodeSpec<{ readonly t: 'leaf' }>,
  path: ChildKey[],
  subjects: Map<string, Subject<Ev>>,
): [RoundRobin<Ev, string>, ModelNode<Ev>] {
  const rx: Record<string, Subject<Ev> | RoundRobin<Ev, string>> = {};
  const model: [string, ModelTree<Ev>][] = [];
  for (const c of spec.children) {
    const childPath = [...path, c.key];
    if (c.spec.t === 'leaf') {
      const subject = new Subject<Ev>();
      subjects.set(childPath.join('/'), subject);
      rx[c.key] = subject;
      model.push([c.key, modelLeaf<Ev>()]);
    } else {
      const [node, tree] = buildBoth(c.spec, childPath, subjects);
      rx[c.key] = node;
      model.push([c.key, tree]);
    }
  }
  return [roundRobin(rx), modelNode(model)];
}

/** Where the reference queues events and takes them from, in the plain rotation order. */
interface RefQueue {
  push(ev: Ev): void;
  /** The next event, and what to call when its projection completes; undefined when nothing can be taken. */
  take(): { ev: Ev; done: () => void } | undefined;
  readonly queued: number;
}

/** A model tree: the rotation order of `model.ts`. With `count`, taken events count against caps until done. */
function modelQueue(root: ModelNode<Ev>, push: (ev: Ev) => void, count: boolean): RefQueue {
  return {
    push,
    take() {
      const taken = takeNext(root, count);
      normalize(root);
      if (taken === undefined) return undefined;
      const leaf: ModelLeaf<Ev> = taken.leaf;
      return {
        ev: taken.event,
        done: () => {
          if (!count) return;
          leaf.running--;
          normalize(root);
        },
      };
    },
    get queued() {
      return countQueued(root);
    },
  };
}

function fifoQueue(): RefQueue {
  const items: Ev[] = [];
  return {
    push: (ev) => void items.push(ev),
    take: () => {
      const ev = items.shift();
      return ev === undefined ? undefined : { ev, done: () => undefined };
    },
    get queued() {
      return items.length;
    },
  };
}

/** The cost rule over the plain rotation order. */
class Reference {
  readonly dispatched: string[] = [];
  readonly running = new Map<string, { slots: number; done: () => void }>();
  used = 0;
  held: { ev: Ev; slots: number; done: () => void } | null = null;

  constructor(
    readonly queue: RefQueue,
    readonly concurrency: number,
  ) {}

  pump(): void {
    for (;;) {
      if (this.held !== null) {
        if (this.used + this.held.slots > this.concurrency) return; // nothing is taken while it waits
        const held = this.held;
        this.held = null;
        this.#start(held);
        continue;
      }
      if (this.used >= this.concurrency) return;
      const taken = this.queue.take();
      if (taken === undefined) return;
      const next = { ...taken, slots: Math.min(taken.ev.cost, this.concurrency) };
      if (this.used + next.slots > this.concurrency) this.held = next;
      else this.#start(next);
    }
  }

  #start({ ev, slots, done }: { ev: Ev; slots: number; done: () => void }): void {
    this.dispatched.push(ev.id);
    if (ev.sync) {
      done();
      return;
    }
    this.used += slots;
    this.running.set(ev.id, { slots, done });
  }

  finish(id: string): void {
    const run = this.running.get(id) as { slots: number; done: () => void };
    this.running.delete(id);
    this.used -= run.slots;
    run.done();
    this.pump();
  }

  get idle(): boolean {
    return this.used === 0 && this.held === null && this.queue.queued === 0;
  }
}

/** The implementation's side: its projections (completed by the test), the slots in use, the calls of `cost`. */
class Observed {
  readonly dispatched: string[] = [];
  readonly projections = new Map<string, Subject<string>>();
  /** Slots of the projections subscribed and not yet finalized. */
  readonly live = new Map<string, number>();
  readonly costCalls = new Map<string, number>();
  violation: string | null = null;
  error: unknown;
  completed = false;

  constructor(readonly concurrency: number) {}

  readonly cost = (ev: Ev): number => {
    this.costCalls.set(ev.id, (this.costCalls.get(ev.id) ?? 0) + 1);
    return ev.cost;
  };

  readonly project = (ev: Ev): Observable<string> => {
    this.dispatched.push(ev.id);
    this.live.set(ev.id, Math.min(ev.cost, this.concurrency));
    let used = 0;
    for (const slots of this.live.values()) used += slots;
    if (used > this.concurrency)
      this.violation ??= `${used} slots in use with ${ev.id}, concurrency ${this.concurrency}`;
    const done = (): void => void this.live.delete(ev.id);
    if (ev.sync) return of(`r:${ev.id}`).pipe(finalize(done));
    const subject = new Subject<string>();
    this.projections.set(ev.id, subject);
    return subject.pipe(finalize(done));
  };

  finish(id: string): void {
    const subject = this.projections.get(id) as Subject<string>;
    subject.next(`r:${id}`);
    subject.complete();
  }
}

describe('fairMergeMap with cost (properties)', () => {
  it('should dispatch in the plain rotation order, hold what does not fit, never exceed concurrency, ask each cost once, complete', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Kind>('node', 'by', 'byCaps', 'fifo'),
        nodeSpecArb(3, fc.constant({ t: 'leaf' as const })),
        concurrencyArb,
        fc.array(capArb, { minLength: 1, maxLength: 4 }),
        fc.array(cmdArb, { maxLength: 80, size: 'max' }),
        (kind, shape, concurrency, caps, cmds) => {
          const paths = leafPaths(shape);
          const obs = new Observed(concurrency);
          const options = { concurrency, cost: obs.cost };
          // Each leaf's Subject by path; for a flat stream every path names the one source.
          const subjects = new Map<string, Subject<Ev>>();
          // What completes: each leaf of a node, or the flat stream ('*').
          const ends = new Map<string, Subject<Ev>>();
          const endKey = (path: readonly ChildKey[]): string => (kind === 'node' ? path.join('/') : '*');
          let ref: Reference;
          let output: Observable<string>;
          if (kind === 'node') {
            const [node, model] = buildBoth(shape, [], subjects);
            const push = (ev: Ev): void => {
              (childAt(model, ev.path) as ModelLeaf<Ev>).items.push(ev);
              normalize(model);
            };
            ref = new Reference(modelQueue(model, push, false), concurrency);
            output = node.pipe(fairMergeMap(obs.project, options));
          } else {
            const source = new Subject<Ev>();
            for (const path of paths) subjects.set(path.join('/'), source);
            ends.set('*', source);
            if (kind === 'fifo') {
              ref = new Reference(fifoQueue(), concurrency);
              output = source.pipe(fairMergeMap(obs.project, options));
            } else {
              const pathCaps = kind === 'byCaps' ? caps : undefined;
              const model = modelNode<Ev>();
              const push = (ev: Ev): void =>
                void pushPath(model, ev.path, ev, () => modelLeaf<Ev>(), { caps: pathCaps });
              // Taken events count against caps only once a cap is finite, as in the implementation.
              ref = new Reference(
                modelQueue(model, push, pathCaps?.some((cap) => cap !== Infinity) === true),
                concurrency,
              );
              output = source.pipe(fairMergeMap(obs.project, { ...options, by: (e: Ev) => e.path, caps: pathCaps }));
            }
          }
          if (kind === 'node') for (const [key, subject] of subjects) ends.set(key, subject);
          output.subscribe({ error: (e: unknown) => (obs.error = e), complete: () => (obs.completed = true) });

          const ended = new Set<string>();
          const allEnded = (): boolean => ended.size === ends.size;
          let n = 0;
          const step = (what: string): void => {
            same(obs.error, undefined, `after ${what}: output error`);
            if (obs.violation !== null) throw new Error(`after ${what}: ${obs.violation}`);
            same(obs.dispatched, ref.dispatched, `after ${what}: dispatch order`);
            for (const [id, calls] of obs.costCalls) same(calls, 1, `after ${what}: calls of cost for ${id}`);
            const asked = [...ref.dispatched, ...(ref.held === null ? [] : [ref.held.ev.id])].sort();
            same([...obs.costCalls.keys()].sort(), asked, `after ${what}: events whose cost was asked`);
            same(obs.completed, allEnded() && ref.idle, `after ${what}: completed`);
          };

          for (const cmd of cmds) {
            if (cmd.t === 'arrive') {
              const path = pick(paths, cmd.leaf) as ChildKey[];
              if (ended.has(endKey(path))) continue;
              for (const cost of cmd.costs) {
                const ev: Ev = { id: `e${n++}`, path, cost, sync: cmd.sync };
                ref.queue.push(ev);
                ref.pump();
                (subjects.get(path.join('/')) as Subject<Ev>).next(ev);
              }
            } else if (cmd.t === 'finish') {
              const id = pick([...ref.running.keys()], cmd.which);
              if (id === undefined) continue;
              ref.finish(id);
              obs.finish(id);
            } else {
              // A leaf completes (for a flat stream: the stream, once).
              const key = endKey(pick(paths, cmd.leaf) as ChildKey[]);
              if (ended.has(key)) continue;
              ended.add(key);
              (ends.get(key) as Subject<Ev>).complete();
            }
            step(cmd.t);
          }
          for (const [key, subject] of ends) {
            if (ended.has(key)) continue;
            ended.add(key);
            subject.complete();
            step('end');
          }
          while (ref.running.size > 0) {
            const id = [...ref.running.keys()][0] as string;
            ref.finish(id);
            obs.finish(id);
            step('drain');
          }
          same(obs.completed, true, 'completed after the drain');
          same(
            [...obs.dispatched].sort(),
            Array.from({ length: n }, (_, i) => `e${i}`).sort(),
            'every event dispatched exactly once',
          );
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});
