import fc from 'fast-check';
import { Subject, defer, finalize, of, type Observable, type ObservableInput, type Subscription } from 'rxjs';
import { describe, it } from 'vitest';
import { FifoQueue, RoundRobinQueue, fairMergeMap, roundRobin, type RoundRobin } from '../../src/index.js';
import {
  keyArb,
  nodeSpecArb,
  pick,
  same,
  subtreeSpecArb,
  throws,
  truncateSpec,
  type ChildKey,
  type Leafy,
  type NodeSpec,
  type TreeSpec,
} from './arbitraries.js';
import {
  RotationBound,
  countQueued,
  isReady,
  modelLeaf,
  modelLeaves,
  modelNode,
  modelNodes,
  normalize,
  queuedEvents,
  takeNext,
  type Key,
  type ModelLeaf,
  type ModelNode,
  type ModelTree,
} from './model.js';

/**
 * Model-based properties of the reactive layer: random trees of `roundRobin` nodes over Subjects (and synchronous
 * `of(...)` leaves), consumed by `fairMergeMap` with controllable projections, driven by random interleavings of
 * arrivals, projection completions (in any order), add/delete/pause/resume and source completion. Checked step by
 * step against the reference model of `model.ts` plus a model of the dispatcher (docs/semantics.md, semantics
 * 1-8, 10).
 */

/** How an event's projection behaves. */
type ProjSpec =
  /** `of(result)`: completes at once, inside the dispatch. */
  | { readonly kind: 'sync' }
  /** A Subject the test completes later. */
  | { readonly kind: 'subject' }
  /** A promise the test resolves later. */
  | { readonly kind: 'promise' }
  /** Pushes one more event into a leaf (`leaf` selects it) while being dispatched, then completes at once. */
  | { readonly kind: 'reentrant'; readonly leaf: number; readonly then: 'sync' | 'subject' };

const projArb = (withPromise: boolean): fc.Arbitrary<ProjSpec> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'subject' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
    { weight: withPromise ? 1 : 0, arbitrary: fc.constant({ kind: 'promise' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('reentrant' as const),
        leaf: fc.nat({ max: 15 }),
        then: fc.constantFrom('sync' as const, 'subject' as const),
      }),
    },
  );

/** A leaf: a Subject (`sync` null), or `of(...)` emitting `sync.items` events and completing when subscribed. */
interface RxLeafSpec extends Leafy {
  readonly sync: { readonly items: number; readonly proj: ProjSpec } | null;
}

const rxLeafArb = (withPromise: boolean): fc.Arbitrary<RxLeafSpec> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant({ t: 'leaf' as const, sync: null }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('leaf' as const),
        sync: fc.record({ items: fc.nat({ max: 3 }), proj: projArb(withPromise) }),
      }),
    },
  );

const SUBJECT_LEAF: RxLeafSpec = { t: 'leaf', sync: null };

type RxCmd =
  | { readonly t: 'arrive'; readonly leaf: number; readonly count: number; readonly proj: ProjSpec }
  | { readonly t: 'complete'; readonly leaf: number }
  | { readonly t: 'finish' | 'emit'; readonly proj: number }
  | { readonly t: 'add'; readonly node: number; readonly key: ChildKey; readonly spec: TreeSpec<RxLeafSpec> }
  | { readonly t: 'delete' | 'pause' | 'resume'; readonly node: number; readonly child: number };

function rxCmdArb(withPromise: boolean): fc.Arbitrary<RxCmd> {
  const sel = fc.nat({ max: 15 });
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        t: fc.constant('arrive' as const),
        leaf: sel,
        count: fc.integer({ min: 1, max: 3 }),
        proj: projArb(withPromise),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('complete' as const), leaf: sel }) },
    { weight: 8, arbitrary: fc.record({ t: fc.constant('finish' as const), proj: sel }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('emit' as const), proj: sel }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('add' as const),
        node: sel,
        key: keyArb,
        spec: subtreeSpecArb(2, rxLeafArb(withPromise)),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), node: sel, child: sel }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('pause' as const), node: sel, child: sel }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('resume' as const), node: sel, child: sel }) },
  );
}

const concurrencyArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

/** Lets settled promises run their reactions (the projection's and the operator's). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A leaf of the tree under test: its source, and the model's view of it. */
interface LeafRec {
  readonly model: ModelLeaf<string>;
  readonly subject: Subject<string> | null;
  readonly source: Observable<string>;
  /** The events a synchronous leaf emits when subscribed. */
  readonly syncItems: readonly string[];
  /** Its key path from the root, once attached. */
  path: Key[];
  // The model's view, updated by the model only.
  subscribed: boolean;
  completed: boolean;
}

interface Meta {
  readonly leaf: LeafRec;
  readonly seq: number;
  readonly proj: ProjSpec;
  /** For a re-entrant projection: the leaf it pushes into, chosen by the model when it dispatched the event. */
  target?: LeafRec | null;
  /** Per level of the leaf's path: whether the child served there stayed backlogged (the model's view). */
  stillBacklogged?: boolean[];
}

/** A projection started by the operator (the implementation's side). */
interface ImplProjection {
  readonly kind: ProjSpec['kind'];
  readonly subject?: Subject<string>;
  readonly resolve?: (value: string) => void;
  finalized: boolean;
}

class RxWorld {
  readonly root: RoundRobin<string, string>;
  readonly model: ModelNode<string>;
  readonly nodes = new Map<number, RoundRobin<string, string>>();
  readonly leaves = new Map<number, LeafRec>();
  readonly meta = new Map<string, Meta>();
  readonly bound = new RotationBound();
  #events = 0;
  #seq = 0;

  // The model of the dispatcher.
  readonly m = {
    dispatched: [] as string[],
    output: [] as string[],
    /** Projections holding a slot (subject and promise ones), in dispatch order. */
    active: [] as { event: string; kind: ProjSpec['kind'] }[],
    entered: [] as string[],
    handedBack: [] as string[],
    pumping: false,
    completed: false,
  };

  // What the implementation did.
  readonly a = {
    dispatched: [] as string[],
    output: [] as string[],
    completed: false,
    error: undefined as unknown,
    /** Projections subscribed and not finalized (counted inside `project` and `finalize`). */
    live: 0,
    violation: null as string | null,
    projections: new Map<string, ImplProjection>(),
    lastSeq: new Map<number, number>(),
  };
  subscription: Subscription | null = null;

  constructor(
    spec: NodeSpec<RxLeafSpec>,
    readonly concurrency: number,
  ) {
    const built = this.build(spec);
    this.model = built.model as ModelNode<string>;
    this.root = built.source as RoundRobin<string, string>;
    this.#setPaths();
  }

  #newEvent(leaf: LeafRec, proj: ProjSpec, name?: string): string {
    const event = name ?? `e${this.#events++}`;
    this.meta.set(event, { leaf, seq: this.#seq++, proj });
    return event;
  }

  /** Builds a subtree: Subjects or `of(...)` leaves, `roundRobin` nodes (from a Map or an object), pauses applied. */
  build(spec: TreeSpec<RxLeafSpec>): { model: ModelTree<string>; source: Observable<string> } {
    if (spec.t === 'leaf') {
      const model = modelLeaf<string>();
      const sync = spec.sync;
      const subject = sync === null ? new Subject<string>() : null;
      const syncItems: string[] = [];
      const rec: LeafRec = {
        model,
        subject,
        // `of` copies its arguments: the events are named below, so read them when subscribed.
        source: subject ?? defer(() => of(...syncItems)),
        syncItems,
        path: [],
        subscribed: false,
        completed: false,
      };
      if (sync !== null) for (let i = 0; i < sync.items; i++) syncItems.push(this.#newEvent(rec, sync.proj));
      this.leaves.set(model.id, rec);
      return { model, source: rec.source };
    }
    const built = spec.children.map((c) => ({ key: c.key, paused: c.paused, ...this.build(c.spec) }));
    const model = modelNode(built.map((b) => [b.key, b.model] as [Key, ModelTree<string>]));
    const node = spec.asMap
      ? roundRobin(new Map(built.map((b) => [b.key as string, b.source])))
      : roundRobin(Object.fromEntries(built.map((b) => [b.key, b.source])));
    for (const b of built) {
      if (!b.paused) continue;
      node.pause(b.key);
      (model.children.get(b.key) as { paused: boolean }).paused = true;
    }
    normalize(model);
    this.nodes.set(model.id, node);
    return { model, source: node };
  }

  /** Re-reads every attached leaf's key path from the model. */
  #setPaths(): void {
    for (const { leaf, path } of modelLeaves(this.model)) (this.leaves.get(leaf.id) as LeafRec).path = path;
  }

  // ---------------------------------------------------------------- the model of the dispatcher

  #modelArrive(rec: LeafRec, event: string): void {
    rec.model.items.push(event);
    this.m.entered.push(event);
    normalize(this.model);
    this.#modelPump();
  }

  /** Leaves an arrival can go to: attached, subscribed, not completed Subjects, depth first. */
  #openLeaves(): LeafRec[] {
    return modelLeaves(this.model)
      .map(({ leaf }) => this.leaves.get(leaf.id) as LeafRec)
      .filter((rec) => rec.subject !== null && rec.subscribed && !rec.completed);
  }

  #modelPump(): void {
    const m = this.m;
    if (m.pumping) return;
    m.pumping = true;
    while (!m.completed && m.active.length < this.concurrency && isReady(this.model)) {
      const taken = takeNext(this.model) as { event: string };
      normalize(this.model);
      this.#modelDispatch(taken.event);
    }
    m.pumping = false;
    this.#modelCheckComplete();
  }

  #modelDispatch(event: string): void {
    const m = this.m;
    const meta = this.meta.get(event) as Meta;
    m.dispatched.push(event);
    const path = meta.leaf.path;
    meta.stillBacklogged = path.map((_, i) => RotationBound.backlogged(this.model, path.slice(0, i + 1)));
    switch (meta.proj.kind) {
      case 'sync':
        m.output.push(`r:${event}`);
        return;
      case 'reentrant': {
        const target = pick(this.#openLeaves(), meta.proj.leaf) ?? null;
        meta.target = target;
        if (target !== null) this.#modelArrive(target, this.#newEvent(target, { kind: meta.proj.then }, `${event}+`));
        m.output.push(`r:${event}`);
        return;
      }
      case 'subject':
      case 'promise':
        m.active.push({ event, kind: meta.proj.kind });
    }
  }

  #modelCheckComplete(): void {
    const m = this.m;
    if (m.pumping || m.completed) return;
    const leaves = modelLeaves(this.model).map(({ leaf }) => this.leaves.get(leaf.id) as LeafRec);
    if (
      leaves.length > 0 &&
      leaves.every((rec) => rec.completed) &&
      countQueued(this.model) === 0 &&
      m.active.length === 0
    ) {
      m.completed = true;
    }
  }

  /** The model subscribing leaves, depth first: `of(...)` leaves emit and complete at once. */
  #modelSubscribe(recs: LeafRec[]): void {
    for (const rec of recs) {
      rec.subscribed = true;
      if (rec.subject !== null) continue;
      for (const event of rec.syncItems) this.#modelArrive(rec, event);
      rec.completed = true;
      this.#modelCheckComplete();
    }
    this.#modelCheckComplete();
  }

  // ---------------------------------------------------------------- the implementation under test

  readonly project = (event: string, index: number): ObservableInput<string> => {
    const a = this.a;
    if (index !== a.dispatched.length) a.violation ??= `project index ${index}, expected ${a.dispatched.length}`;
    a.dispatched.push(event);
    a.live++;
    if (a.live > this.concurrency) a.violation ??= `${a.live} projections active, concurrency ${this.concurrency}`;
    const meta = this.meta.get(event);
    if (meta === undefined) {
      a.violation ??= `dispatched an event that never entered: ${event}`;
      return of(`r:${event}`);
    }
    // Per-leaf FIFO, and the rotation bound at every node on the leaf's path.
    const last = a.lastSeq.get(meta.leaf.model.id) ?? -1;
    if (meta.seq <= last) a.violation ??= `per-leaf FIFO broken: ${event} after a later event of its leaf`;
    a.lastSeq.set(meta.leaf.model.id, meta.seq);
    try {
      const path = meta.leaf.path;
      for (let i = 0; i < path.length; i++)
        this.bound.served(path.slice(0, i), path[i] as Key, meta.stillBacklogged?.[i] ?? false);
    } catch (err) {
      a.violation ??= (err as Error).message;
    }
    const done = (): void => {
      a.live--;
      const p = a.projections.get(event);
      if (p !== undefined) p.finalized = true;
    };
    switch (meta.proj.kind) {
      case 'sync':
        a.projections.set(event, { kind: 'sync', finalized: false });
        return of(`r:${event}`).pipe(finalize(done));
      case 'reentrant':
        a.projections.set(event, { kind: 'reentrant', finalized: false });
        if (meta.target !== undefined && meta.target !== null) meta.target.subject?.next(`${event}+`);
        return of(`r:${event}`).pipe(finalize(done));
      case 'subject': {
        const subject = new Subject<string>();
        a.projections.set(event, { kind: 'subject', subject, finalized: false });
        return subject.pipe(finalize(done));
      }
      case 'promise': {
        let resolve!: (value: string) => void;
        const promise = new Promise<string>((r) => (resolve = r));
        a.projections.set(event, { kind: 'promise', resolve, finalized: false });
        return promise.then((value) => {
          done();
          return value;
        });
      }
    }
  };

  subscribe(): void {
    // Initial pauses are already set on the nodes (and in the model).
    this.#modelSubscribe(modelLeaves(this.model).map(({ leaf }) => this.leaves.get(leaf.id) as LeafRec));
    this.subscription = this.root.pipe(fairMergeMap(this.project, this.concurrency)).subscribe({
      next: (value) => this.a.output.push(value),
      error: (err: unknown) => (this.a.error = err),
      complete: () => (this.a.completed = true),
    });
    this.check('subscribe');
  }

  get done(): boolean {
    return this.m.completed || this.a.completed || this.a.error !== undefined;
  }

  async run(cmd: RxCmd): Promise<void> {
    const nodes = modelNodes(this.model);
    switch (cmd.t) {
      case 'arrive': {
        const rec = pick(this.#openLeaves(), cmd.leaf);
        if (rec === undefined) return;
        const events: string[] = [];
        for (let i = 0; i < cmd.count; i++) {
          const event = this.#newEvent(rec, cmd.proj);
          events.push(event);
          this.#modelArrive(rec, event);
        }
        for (const event of events) rec.subject?.next(event);
        return;
      }
      case 'complete': {
        const rec = pick(this.#openLeaves(), cmd.leaf);
        if (rec === undefined) return;
        rec.completed = true;
        this.#modelCheckComplete();
        rec.subject?.complete();
        return;
      }
      case 'finish':
      case 'emit': {
        const active = pick(this.m.active, cmd.proj);
        if (active === undefined) return;
        const impl = this.a.projections.get(active.event);
        if (impl === undefined) throw new Error(`projection of ${active.event} was never started`);
        if (cmd.t === 'emit') {
          if (active.kind !== 'subject') return;
          const value = `r:${active.event}:more`;
          this.m.output.push(value);
          impl.subject?.next(value);
          return;
        }
        this.m.active.splice(this.m.active.indexOf(active), 1);
        this.m.output.push(`r:${active.event}`);
        this.#modelPump();
        if (impl.kind === 'subject') {
          impl.subject?.next(`r:${active.event}`);
          impl.subject?.complete();
        } else {
          impl.resolve?.(`r:${active.event}`);
          await flush();
        }
        return;
      }
      case 'add': {
        const { node, path } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const rr = this.nodes.get(node.id) as RoundRobin<string, string>;
        const built = this.build(truncateSpec(cmd.spec, 3 - path.length, SUBJECT_LEAF));
        if (node.children.has(cmd.key)) {
          throws(() => rr.add(cmd.key, built.source), Error, /already in this node/, 'add of a duplicate key');
          return;
        }
        node.children.set(cmd.key, { child: built.model, paused: false, auto: false });
        normalize(this.model);
        this.#setPaths();
        const fresh = built.model.kind === 'leaf' ? [built.model] : modelLeaves(built.model).map((l) => l.leaf);
        this.#modelSubscribe(fresh.map((leaf) => this.leaves.get(leaf.id) as LeafRec));
        same(rr.add(cmd.key, built.source) === rr, true, 'add returns the node');
        return;
      }
      case 'delete':
      case 'pause':
      case 'resume': {
        const { node, path } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const key = pick([...node.children.keys()], cmd.child);
        if (key === undefined) return;
        const rr = this.nodes.get(node.id) as RoundRobin<string, string>;
        const slot = node.children.get(key) as { child: ModelTree<string>; paused: boolean };
        if (cmd.t === 'delete') {
          const expected = queuedEvents(slot.child);
          const gone = slot.child.kind === 'leaf' ? [slot.child] : modelLeaves(slot.child).map((l) => l.leaf);
          node.children.delete(key);
          normalize(this.model);
          this.#setPaths();
          this.#modelCheckComplete();
          const actual = rr.delete(key);
          same(actual, expected, `delete ${key} at [${path.join('/')}]`);
          this.m.handedBack.push(...actual);
          // Its sources are unsubscribed at once.
          for (const leaf of gone)
            same(this.leaves.get(leaf.id)?.subject?.observed ?? false, false, `deleted leaf ${leaf.id} observed`);
          return;
        }
        slot.paused = cmd.t === 'pause';
        normalize(this.model);
        this.#modelPump();
        same(rr[cmd.t](key) === rr, true, `${cmd.t} returns the node`);
        return;
      }
    }
  }

  /** After every step: the implementation did what the model says, and no invariant broke. */
  check(step: string): void {
    const { a, m } = this;
    if (a.error !== undefined) throw new Error(`after ${step}: the output errored: ${String(a.error)}`);
    if (a.violation !== null) throw new Error(`after ${step}: ${a.violation}`);
    same(a.dispatched, m.dispatched, `after ${step}: dispatch order`);
    same(a.output, m.output, `after ${step}: output`);
    same(a.completed, m.completed, `after ${step}: output completed`);
    same(a.live, m.completed ? 0 : m.active.length, `after ${step}: projections active`);
    for (const { node, path } of modelNodes(this.model)) {
      const size = m.completed ? 0 : countQueued(node);
      same(
        (this.nodes.get(node.id) as RoundRobin<string, string>).size,
        size,
        `after ${step}: size of [${path.join('/')}]`,
      );
    }
    this.bound.observe(this.model);
  }

  /** Resumes everything, completes every source and every projection: the output must complete, nothing lost. */
  async drain(): Promise<void> {
    for (const { node } of modelNodes(this.model)) {
      for (const [key, slot] of node.children) {
        if (!slot.paused || this.done) continue;
        await this.run({
          t: 'resume',
          node: modelNodes(this.model).findIndex((n) => n.node === node),
          child: [...node.children.keys()].indexOf(key),
        });
        this.check(`resume ${key}`);
      }
    }
    while (!this.done && this.#openLeaves().length > 0) {
      await this.run({ t: 'complete', leaf: 0 });
      this.check('complete');
    }
    while (!this.done && this.m.active.length > 0) {
      await this.run({ t: 'finish', proj: 0 });
      this.check('finish');
    }
    same(countQueued(this.model), 0, 'nothing queued after the drain');
    // Completes once everything is done, unless every leaf was deleted (an empty node stays open for `add`).
    same(this.a.completed, modelLeaves(this.model).length > 0, 'output completed after the drain');
    this.#conservation();
    this.subscription?.unsubscribe();
    this.#tornDown();
  }

  /** Unsubscribes in the middle: every source and every active projection is torn down. */
  async unsubscribe(): Promise<void> {
    this.#conservation();
    const output = this.a.output.length;
    const dispatched = this.a.dispatched.length;
    this.subscription?.unsubscribe();
    this.#tornDown();
    // Settling a cancelled promise projection emits nothing and starts nothing.
    for (const p of this.a.projections.values()) p.resolve?.('late');
    await flush();
    same(this.a.output.length, output, 'output after unsubscribe');
    same(this.a.dispatched.length, dispatched, 'dispatches after unsubscribe');
  }

  /** Nothing lost, nothing doubled: entered = dispatched + handed back + still queued, each exactly once. */
  #conservation(): void {
    const out = [...this.a.dispatched, ...this.m.handedBack, ...queuedEvents(this.model)];
    same(new Set(out).size, out.length, 'no event dispatched or handed back twice');
    same([...out].sort(), [...this.m.entered].sort(), 'every event that entered is accounted for');
  }

  #tornDown(): void {
    for (const rec of this.leaves.values())
      same(rec.subject?.observed ?? false, false, `leaf [${rec.path.join('/')}] still observed`);
    for (const [event, p] of this.a.projections) {
      if (p.kind === 'promise') continue;
      same(p.finalized, true, `projection of ${event} finalized`);
      same(p.subject?.observed ?? false, false, `projection of ${event} still observed`);
    }
    for (const node of this.nodes.values()) same(node.size, 0, 'size once unsubscribed');
  }
}

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 500);

async function runRx(
  spec: NodeSpec<RxLeafSpec>,
  concurrency: number,
  cmds: readonly RxCmd[],
  ending: 'drain' | 'unsubscribe',
): Promise<void> {
  const world = new RxWorld(spec, concurrency);
  world.subscribe();
  for (const [i, cmd] of cmds.entries()) {
    if (world.done) break;
    await world.run(cmd);
    world.check(`command ${i} (${cmd.t})`);
  }
  if (ending === 'drain' || world.done) await world.drain();
  else await world.unsubscribe();
}

describe('roundRobin + fairMergeMap properties (model-based)', () => {
  it('should dispatch like the reference model, within the concurrency, losing and doubling nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        nodeSpecArb(4, rxLeafArb(true)),
        concurrencyArb,
        fc.array(rxCmdArb(true), { maxLength: 50, size: 'max' }),
        fc.constantFrom('drain' as const, 'unsubscribe' as const),
        runRx,
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);

  it('should dispatch like the reference model on trees of Subjects only (no synchronous sources)', async () => {
    const subjectsOnly = fc.constant(SUBJECT_LEAF);
    await fc.assert(
      fc.asyncProperty(
        nodeSpecArb(4, subjectsOnly),
        concurrencyArb,
        fc.array(
          rxCmdArb(true).filter((c) => c.t !== 'add' || isSubjectsOnly(c.spec)),
          { maxLength: 50, size: 'max' },
        ),
        fc.constantFrom('drain' as const, 'unsubscribe' as const),
        runRx,
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});

function isSubjectsOnly(spec: TreeSpec<RxLeafSpec>): boolean {
  return spec.t === 'leaf' ? spec.sync === null : spec.children.every((c) => isSubjectsOnly(c.spec));
}

// ------------------------------------------------------------------ fairMergeMap over a flat stream, with `by`

interface FlatEvent {
  readonly id: string;
  readonly path: readonly ChildKey[];
  readonly proj: 'sync' | 'subject';
}

type FlatCmd =
  | { readonly t: 'arrive'; readonly path: number; readonly count: number; readonly proj: 'sync' | 'subject' }
  | { readonly t: 'finish'; readonly proj: number }
  | { readonly t: 'completeSource' };

const flatCmdArb: fc.Arbitrary<FlatCmd> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('arrive' as const),
      path: fc.nat({ max: 15 }),
      count: fc.integer({ min: 1, max: 4 }),
      proj: fc.constantFrom('sync' as const, 'subject' as const, 'subject' as const),
    }),
  },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('finish' as const), proj: fc.nat({ max: 15 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'completeSource' as const }) },
);

/** The key paths of the leaves of a tree shape: consistent paths (none a prefix of another), 1 to 4 keys long. */
function leafPaths(spec: NodeSpec<{ readonly t: 'leaf' }>, prefix: ChildKey[] = []): ChildKey[][] {
  return spec.children.flatMap((c) =>
    c.spec.t === 'leaf' ? [[...prefix, c.key]] : leafPaths(c.spec, [...prefix, c.key]),
  );
}

describe('fairMergeMap over a flat stream (properties)', () => {
  it('should dispatch in the order of the core RoundRobinQueue fed the same key paths (FIFO without `by`)', async () => {
    await fc.assert(
      fc.asyncProperty(
        nodeSpecArb(4, fc.constant({ t: 'leaf' as const })),
        concurrencyArb,
        fc.boolean(),
        fc.array(flatCmdArb, { maxLength: 60, size: 'max' }),
        fc.boolean(),
        async (shape, concurrency, withBy, cmds, unsubscribeEarly) => {
          const paths = leafPaths(shape);
          const source = new Subject<FlatEvent>();
          // The reference: the core queue (or a FIFO) and the dispatch rule "pull while a slot is free".
          const reference = withBy ? new RoundRobinQueue<FlatEvent, unknown>() : new FifoQueue<FlatEvent>();
          const expected: string[] = [];
          const refActive: string[] = [];
          let refSourceDone = false;
          const refPump = (): void => {
            while (refActive.length < concurrency && reference.ready) {
              const event = reference.next() as FlatEvent;
              expected.push(event.id);
              if (event.proj === 'subject') refActive.push(event.id);
            }
          };
          const refComplete = (): boolean => refSourceDone && reference.size === 0 && refActive.length === 0;

          const dispatched: string[] = [];
          const projections = new Map<string, Subject<string>>();
          const finalized = new Set<string>();
          let live = 0;
          let maxLive = 0;
          let completed = false;
          let error: unknown;
          const output: string[] = [];
          const subscription = source
            .pipe(
              fairMergeMap(
                (event: FlatEvent) => {
                  dispatched.push(event.id);
                  maxLive = Math.max(maxLive, ++live);
                  const done = (): void => {
                    live--;
                    finalized.add(event.id);
                  };
                  if (event.proj === 'sync') return of(`r:${event.id}`).pipe(finalize(done));
                  const subject = new Subject<string>();
                  projections.set(event.id, subject);
                  return subject.pipe(finalize(done));
                },
                withBy ? { concurrency, by: (e: FlatEvent) => e.path } : { concurrency },
              ),
            )
            .subscribe({
              next: (v) => output.push(v),
              error: (e: unknown) => (error = e),
              complete: () => (completed = true),
            });

          let n = 0;
          for (const cmd of cmds) {
            if (completed) break;
            switch (cmd.t) {
              case 'arrive': {
                if (refSourceDone) break;
                const path = pick(paths, cmd.path) as ChildKey[];
                for (let i = 0; i < cmd.count; i++) {
                  const event: FlatEvent = { id: `e${n++}`, path, proj: cmd.proj };
                  if (reference instanceof RoundRobinQueue) reference.push(path, event);
                  else reference.push(event);
                  refPump();
                  source.next(event);
                }
                break;
              }
              case 'finish': {
                const id = pick(refActive, cmd.proj);
                if (id === undefined) break;
                refActive.splice(refActive.indexOf(id), 1);
                refPump();
                const subject = projections.get(id);
                if (subject === undefined) throw new Error(`projection of ${id} never started`);
                subject.next(`r:${id}`);
                subject.complete();
                break;
              }
              case 'completeSource':
                refSourceDone = true;
                source.complete();
                break;
            }
            same(error, undefined, 'output error');
            same(dispatched, expected, 'dispatch order');
            same(completed, refComplete(), 'output completed');
            same(maxLive <= concurrency, true, `${maxLive} projections active at once, concurrency ${concurrency}`);
          }
          if (unsubscribeEarly && !completed) {
            subscription.unsubscribe();
            same(source.observed, false, 'source observed after unsubscribe');
            for (const [id, subject] of projections)
              same(subject.observed, false, `projection of ${id} observed after unsubscribe`);
            same(live, 0, 'projections alive after unsubscribe');
            return;
          }
          // Drain: complete the source, then every projection in dispatch order.
          refSourceDone = true;
          source.complete();
          while (refActive.length > 0) {
            const id = refActive.shift() as string;
            refPump();
            projections.get(id)?.next(`r:${id}`);
            projections.get(id)?.complete();
            same(dispatched, expected, 'dispatch order while draining');
          }
          same(completed, true, 'output completed after the drain');
          same(dispatched.length, n, 'every event dispatched');
          same(new Set(dispatched).size, n, 'no event dispatched twice');
          same(output.length, n, 'one output value per event');
          same(live, 0, 'projections alive at the end');
          same(source.observed, false, 'source observed at the end');
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});
