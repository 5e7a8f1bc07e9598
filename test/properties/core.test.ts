import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FifoQueue, RoundRobinQueue, type QueueNode, type RoundRobinQueueOptions } from '../../src/index.js';
import {
  keyArb,
  leafSpecArb,
  nodeSpecArb,
  pick,
  same,
  subtreeSpecArb,
  throws,
  truncateSpec,
  type ChildKey,
  type NodeSpec,
  type TreeSpec,
} from './arbitraries.js';
import {
  RotationBound,
  childAt,
  countQueued,
  isReady,
  modelLeaf,
  modelLeaves,
  modelNode,
  modelNodes,
  normalize,
  pushPath,
  queuedEvents,
  takeNext,
  type Key,
  type ModelLeaf,
  type ModelNode,
  type ModelTree,
} from './model.js';

/**
 * Model-based properties of the synchronous core: random trees (1 to 4 levels of nodes) driven by random command
 * sequences, checked step by step against the reference model in `model.ts` (docs/semantics.md, semantics 1, 2,
 * 3, 6, 7, 11).
 */

type CoreCmd =
  | { readonly t: 'push'; readonly leaf: number; readonly count: number }
  /** `root.push(path)`: `path` alone, or appended to the path of an existing node (`base`), at most 4 keys. */
  | { readonly t: 'pushPath'; readonly base: number | null; readonly path: readonly ChildKey[] }
  | { readonly t: 'next' }
  | { readonly t: 'nextAt'; readonly target: number }
  | { readonly t: 'add'; readonly node: number; readonly key: ChildKey; readonly spec: TreeSpec }
  | { readonly t: 'delete' | 'pause' | 'resume'; readonly node: number; readonly child: number }
  | { readonly t: 'bad'; readonly what: BadCall; readonly node: number; readonly child: number };

type BadCall = 'delete' | 'pause' | 'resume' | 'isPaused' | 'attached' | 'cycle' | 'emptyPath' | 'notArray';

/** Command weights: `all` for the general property, `prune` to reach missed prunes in few runs. */
const WEIGHTS = {
  all: { push: 5, pushPath: 4, next: 8, nextAt: 2, add: 2, delete: 1, pause: 2, resume: 2, bad: 1 },
  prune: { push: 0, pushPath: 4, next: 2, nextAt: 3, add: 1, delete: 2, pause: 3, resume: 3, bad: 0 },
} as const;

function cmdArb(focus: keyof typeof WEIGHTS): fc.Arbitrary<CoreCmd> {
  const w = WEIGHTS[focus];
  /** Selects among the nodes, leaves or children present when the command runs (modulo their number). */
  const sel = fc.nat({ max: 15 });
  return fc.oneof(
    {
      weight: w.push,
      arbitrary: fc.record({ t: fc.constant('push' as const), leaf: sel, count: fc.integer({ min: 1, max: 3 }) }),
    },
    {
      weight: w.pushPath,
      arbitrary: fc.record({
        t: fc.constant('pushPath' as const),
        base: fc.option(sel),
        path: fc.array(keyArb, { minLength: 1, maxLength: 4 }),
      }),
    },
    { weight: w.next, arbitrary: fc.constant({ t: 'next' as const }) },
    { weight: w.nextAt, arbitrary: fc.record({ t: fc.constant('nextAt' as const), target: sel }) },
    {
      weight: w.add,
      arbitrary: fc.record({
        t: fc.constant('add' as const),
        node: sel,
        key: keyArb,
        spec: subtreeSpecArb(2, leafSpecArb(3)),
      }),
    },
    { weight: w.delete, arbitrary: fc.record({ t: fc.constant('delete' as const), node: sel, child: sel }) },
    { weight: w.pause, arbitrary: fc.record({ t: fc.constant('pause' as const), node: sel, child: sel }) },
    { weight: w.resume, arbitrary: fc.record({ t: fc.constant('resume' as const), node: sel, child: sel }) },
    {
      weight: w.bad,
      arbitrary: fc.record({
        t: fc.constant('bad' as const),
        what: fc.constantFrom<BadCall>(
          'delete',
          'pause',
          'resume',
          'isPaused',
          'attached',
          'cycle',
          'emptyPath',
          'notArray',
        ),
        node: sel,
        child: sel,
      }),
    },
  );
}

const UNKNOWN = 'zz';

interface Meta {
  readonly leaf: number;
  readonly seq: number;
}

/** The implementation and the model side by side, with everything the invariants need. */
class CoreWorld {
  readonly root: RoundRobinQueue<string, string>;
  readonly model: ModelNode<string>;
  /** The implementation's queue for each model node or leaf, by model id. */
  readonly impl = new Map<number, QueueNode<string>>();
  readonly meta = new Map<string, Meta>();
  readonly pushed: string[] = [];
  readonly dispatched: string[] = [];
  readonly handedBack: string[] = [];
  readonly bound = new RotationBound();
  readonly #lastSeq = new Map<number, number>();
  #events = 0;

  /**
   * `spares`: the root keeps that many emptied branches for reuse. A reused one keeps its first place in key order,
   * where the model puts a re-created one last: keys and `delete`'s events are then compared as sets.
   */
  constructor(
    spec: NodeSpec,
    readonly spares = 0,
  ) {
    const { model, impl } = this.build(spec, spares === 0 ? undefined : { spares });
    this.model = model as ModelNode<string>;
    this.root = impl as RoundRobinQueue<string, string>;
    this.check();
  }

  newEvent(leaf: ModelLeaf<string>): string {
    const event = `e${this.#events++}`;
    this.meta.set(event, { leaf: leaf.id, seq: this.#events });
    this.pushed.push(event);
    return event;
  }

  /** Builds a standalone subtree, the implementation through its constructors, pauses applied afterwards. */
  build(
    spec: TreeSpec,
    options?: RoundRobinQueueOptions<string, string>,
  ): { model: ModelTree<string>; impl: QueueNode<string> } {
    if (spec.t === 'leaf') {
      const leaf = modelLeaf<string>();
      for (let i = 0; i < spec.items; i++) leaf.items.push(this.newEvent(leaf));
      const fifo = new FifoQueue(leaf.items);
      this.impl.set(leaf.id, fifo);
      return { model: leaf, impl: fifo };
    }
    const built = spec.children.map((c) => ({ key: c.key, paused: c.paused, ...this.build(c.spec) }));
    const model = modelNode(built.map((b) => [b.key, b.model] as [Key, ModelTree<string>]));
    const impl = new RoundRobinQueue<string, string>(
      spec.asMap ? new Map(built.map((b) => [b.key, b.impl])) : Object.fromEntries(built.map((b) => [b.key, b.impl])),
      options,
    );
    for (const b of built) {
      if (!b.paused) continue;
      impl.pause(b.key);
      (model.children.get(b.key) as { paused: boolean }).paused = true;
      normalize(model);
    }
    this.impl.set(model.id, impl);
    return { model, impl };
  }

  implOf(tree: ModelTree<string>): QueueNode<string> {
    const impl = this.impl.get(tree.id);
    if (impl === undefined) throw new Error(`no implementation known for model ${tree.kind} ${tree.id}`);
    return impl;
  }

  /** Records one event handed out by `next()` of the node at `at`, served down the child keys `keys`. */
  dispatchedFrom(at: readonly Key[], keys: readonly Key[], event: string): void {
    this.dispatched.push(event);
    const meta = this.meta.get(event);
    if (meta === undefined) throw new Error(`dispatched an event never pushed: ${event}`);
    const last = this.#lastSeq.get(meta.leaf) ?? -1;
    if (meta.seq <= last) throw new Error(`per-leaf FIFO broken: ${event} after a later event of its leaf`);
    this.#lastSeq.set(meta.leaf, meta.seq);
    for (let i = 0; i < keys.length; i++) {
      const node = [...at, ...keys.slice(0, i)];
      const child = keys[i] as Key;
      this.bound.served(node, child, RotationBound.backlogged(this.model, [...node, child]));
    }
  }

  run(cmd: CoreCmd): void {
    const nodes = modelNodes(this.model);
    switch (cmd.t) {
      case 'push': {
        const target = pick(modelLeaves(this.model), cmd.leaf);
        if (target === undefined) return;
        const fifo = this.implOf(target.leaf) as FifoQueue<string>;
        for (let i = 0; i < cmd.count; i++) {
          const event = this.newEvent(target.leaf);
          fifo.push(event);
          target.leaf.items.push(event);
          normalize(this.model);
        }
        return;
      }
      case 'pushPath': {
        const base = cmd.base === null ? [] : (pick(nodes, cmd.base) as (typeof nodes)[number]).path;
        const path = [...base, ...cmd.path].slice(0, 4);
        const event = `e${this.#events}`;
        let created: ModelLeaf<string> | undefined;
        const outcome = pushPath(this.model, path, event, () => (created = modelLeaf()));
        if (outcome !== 'ok') {
          throws(() => this.root.push(path, event), TypeError, new RegExp(outcome), `push(${JSON.stringify(path)})`);
          return;
        }
        this.root.push(path, event);
        // The leaf the event went to, to name it in `meta` (an existing one, or the one just created).
        const leaf = created ?? (childAt(this.model, path) as ModelLeaf<string>);
        same(this.newEvent(leaf), event, 'event name');
        return;
      }
      case 'next': {
        const expected = takeNext(this.model);
        normalize(this.model);
        const actual = this.root.next();
        same(actual, expected?.event, 'root.next()');
        if (expected !== undefined) this.dispatchedFrom([], expected.keys, expected.event);
        return;
      }
      case 'nextAt': {
        const targets: { tree: ModelTree<string>; path: Key[] }[] = [
          ...nodes.map(({ node, path }) => ({ tree: node as ModelTree<string>, path })),
          ...modelLeaves(this.model).map(({ leaf, path }) => ({ tree: leaf as ModelTree<string>, path })),
        ];
        const target = pick(targets, cmd.target) as (typeof targets)[number];
        const impl = this.implOf(target.tree);
        if (target.tree.kind === 'leaf') {
          const expected = target.tree.items.shift();
          normalize(this.model);
          same(impl.next(), expected, `leaf [${target.path.join('/')}].next()`);
          if (expected !== undefined) this.dispatchedFrom(target.path, [], expected);
          return;
        }
        const expected = takeNext(target.tree);
        normalize(this.model);
        same(impl.next(), expected?.event, `node [${target.path.join('/')}].next()`);
        if (expected !== undefined) this.dispatchedFrom(target.path, expected.keys, expected.event);
        return;
      }
      case 'add': {
        const { node, path } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        // At most 4 levels of nodes in all: this node is on level path.length + 1.
        const spec = truncateSpec(cmd.spec, 3 - path.length, { t: 'leaf', items: 1 });
        if (node.children.has(cmd.key)) {
          const before = this.pushed.length;
          const built = this.build(spec);
          throws(() => impl.add(cmd.key, built.impl), Error, /already in this node/, 'add of a duplicate key');
          // Its events never entered the tree.
          this.pushed.splice(before);
          return;
        }
        const built = this.build(spec);
        same(impl.add(cmd.key, built.impl) === impl, true, 'add returns the node');
        node.children.set(cmd.key, { child: built.model, paused: false, auto: false });
        normalize(this.model);
        return;
      }
      case 'delete':
      case 'pause':
      case 'resume': {
        const { node, path } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const key = pick([...node.children.keys()], cmd.child);
        if (key === undefined) return;
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        const slot = node.children.get(key) as { child: ModelTree<string>; paused: boolean };
        if (cmd.t === 'delete') {
          const expected = queuedEvents(slot.child);
          node.children.delete(key);
          normalize(this.model);
          const actual = impl.delete(key);
          same(this.#inOrder(actual), this.#inOrder(expected), `delete ${key} at [${path.join('/')}]`);
          this.handedBack.push(...actual);
          same(impl.has(key), false, 'has after delete');
        } else {
          slot.paused = cmd.t === 'pause';
          normalize(this.model);
          same(impl[cmd.t](key) === impl, true, `${cmd.t} returns the node`);
        }
        return;
      }
      case 'bad': {
        const { node } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        switch (cmd.what) {
          case 'delete':
          case 'pause':
          case 'resume':
          case 'isPaused': {
            const method = cmd.what;
            throws(() => impl[method](UNKNOWN), Error, /no such child/, `${method} of an unknown key`);
            return;
          }
          case 'attached': {
            // A queue that already sits in the tree cannot be added a second time.
            const targets = [
              ...nodes.slice(1).map((n) => n.node as ModelTree<string>),
              ...modelLeaves(this.model).map((l) => l.leaf),
            ];
            const target = pick(targets, cmd.child);
            if (target === undefined) return;
            throws(
              () => impl.add(UNKNOWN, this.implOf(target)),
              Error,
              /already has a parent/,
              'add of an attached queue',
            );
            return;
          }
          case 'cycle':
            throws(() => impl.add(UNKNOWN, this.root), Error, /contain itself/, 'add of the root below itself');
            return;
          case 'emptyPath':
            throws(() => this.root.push([], 'never'), TypeError, /non-empty array/, 'push to an empty path');
            return;
          case 'notArray':
            throws(
              () => this.root.push('a' as unknown as string[], 'never'),
              TypeError,
              /non-empty array/,
              'push to a non-array path',
            );
            return;
        }
      }
    }
  }

  /** A list as compared: sorted when reused branches may keep their first place in key order. */
  #inOrder<V>(list: V[]): V[] {
    return this.spares === 0 ? list : [...list].sort();
  }

  /** Compares the whole implementation tree with the model: keys, pause flags, sizes, readiness, leaf contents. */
  check(): void {
    const walk = (model: ModelTree<string>, impl: QueueNode<string>, path: string): void => {
      if (model.kind === 'leaf') {
        same(impl instanceof FifoQueue, true, `a queue at ${path}`);
        same([...(impl as FifoQueue<string>)], model.items, `events at ${path}`);
      } else {
        same(impl instanceof RoundRobinQueue, true, `a node at ${path}`);
        const node = impl as RoundRobinQueue<string, string>;
        same(this.#inOrder([...node.keys()]), this.#inOrder([...model.children.keys()]), `keys at ${path}`);
        for (const [key, slot] of model.children) {
          same(node.isPaused(key), slot.paused, `paused ${path}/${key}`);
          const child = node.get(key) as QueueNode<string>;
          const known = this.impl.get(slot.child.id);
          if (known === undefined) this.impl.set(slot.child.id, child);
          else same(child === known, true, `identity of ${path}/${key}`);
          walk(slot.child, child, `${path}/${key}`);
        }
      }
      same(impl.size, countQueued(model), `size at ${path}`);
      same(impl.ready, isReady(model), `ready at ${path}`);
    };
    walk(this.model, this.root, 'root');
    this.bound.observe(this.model);
  }

  /** Resumes everything and takes every event left; then nothing may remain, and nothing was lost or doubled. */
  finish(): void {
    for (const { node } of modelNodes(this.model)) {
      for (const [key, slot] of node.children) {
        if (!slot.paused) continue;
        slot.paused = false;
        normalize(this.model);
        (this.implOf(node) as RoundRobinQueue<string, string>).resume(key);
        this.check();
      }
    }
    for (;;) {
      const expected = takeNext(this.model);
      normalize(this.model);
      const actual = this.root.next();
      same(actual, expected?.event, 'root.next() while draining');
      if (expected === undefined) break;
      this.dispatchedFrom([], expected.keys, expected.event);
      this.check();
    }
    same(this.root.size, 0, 'size after the drain');
    same(this.root.ready, false, 'ready after the drain');
    // Nothing lost: every event entered is dispatched exactly once or handed back by delete.
    const out = [...this.dispatched, ...this.handedBack];
    same(new Set(out).size, out.length, 'no event handed out twice');
    same([...out].sort(), [...this.pushed].sort(), 'every event pushed is accounted for');
  }
}

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 500);

function runCommands(spec: NodeSpec, cmds: readonly CoreCmd[], spares: number): void {
  const world = new CoreWorld(spec, spares);
  for (const cmd of cmds) {
    world.run(cmd);
    world.check();
  }
  world.finish();
}

describe('RoundRobinQueue properties (model-based)', () => {
  it('should match the reference model on trees of 1 to 4 levels: dispatch order, sizes, delete, pause, resume, push(path), bad input', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(4, leafSpecArb(3)),
        fc.array(cmdArb('all'), { maxLength: 60, size: 'max' }),
        (spec, cmds) => runCommands(spec, cmds, 0),
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);

  // Small trees and mostly structural commands reach the rarer paths: a node created by push(path) that loses its
  // last child through resume() of an emptied paused child, or delete() of an empty one, must be pruned too.
  it('should match the reference model on small trees under many structural changes, pruning what push(path) created', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(1, leafSpecArb(1)),
        fc.array(cmdArb('prune'), { maxLength: 30, size: 'max' }),
        (spec, cmds) => runCommands(spec, cmds, 0),
      ),
      { numRuns: 2 * NUM_RUNS },
    );
  }, 60_000);

  // `spares`: emptied branches are parked and reused, not pruned. Everything must look the same (but key order);
  // 1 and 2 spares make parked branches go again (the least recently parked first) all the time.
  it('should match the reference model with spare branches kept for reuse (spares 1, 2, 1,000)', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(2, leafSpecArb(2)),
        fc.oneof(
          fc.array(cmdArb('prune'), { maxLength: 40, size: 'max' }),
          fc.array(cmdArb('all'), { maxLength: 40, size: 'max' }),
        ),
        fc.constantFrom(1, 2, 1000),
        runCommands,
      ),
      { numRuns: 2 * NUM_RUNS },
    );
  }, 60_000);

  it('should have a rotation-bound check that rejects first-in first-out dispatch of a noisy child', () => {
    // The check itself must be able to fail: FIFO (what mergeMap does) serves a noisy child twice while a quiet
    // sibling waits.
    const model = modelNode<string>([
      ['noisy', modelLeaf(['n0', 'n1', 'n2'])],
      ['quiet', modelLeaf(['q0'])],
    ]);
    const bound = new RotationBound();
    bound.observe(model);
    bound.served([], 'noisy', true);
    (model.children.get('noisy')?.child as ModelLeaf<string>).items.shift();
    bound.observe(model);
    throws(() => bound.served([], 'noisy', true), Error, /rotation bound/, 'FIFO order');
  });
});
