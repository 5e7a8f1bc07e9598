import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FifoQueue, QueueNode, RoundRobinQueue } from '../../src/index.js';
import {
  keyArb,
  leafSpecArb,
  nodeSpecArb,
  pick,
  same,
  throws,
  type ChildKey,
  type NodeSpec,
  type TreeSpec,
} from './arbitraries.js';
import {
  RotationBound,
  activeIn,
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
  type ModelBranches,
  type ModelLeaf,
  type ModelNode,
  type ModelTree,
} from './model.js';

/**
 * Model-based properties of weights and caps in the synchronous core (issue 6, features 1, 2 and 6): random trees
 * whose children have random weights and caps, driven by pushes, `next()` and counted `take()`s, releases in any
 * order, run-time `setWeight`/`setCap`, pause, resume, delete, add and `push(path)` with per-depth settings, all
 * checked step by step against the reference model: the exact dispatch order, readiness and active counts at every
 * node, never a counted take past a cap, and the weighted rotation bound.
 */

/** What each node or leaf built gets, in build order: its weight in its parent and its cap. */
interface Extra {
  readonly weight: number;
  readonly cap: number;
}

const capArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(Infinity) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2 }) },
);
const extraArb: fc.Arbitrary<Extra> = fc.record({ weight: fc.integer({ min: 1, max: 3 }), cap: capArb });

type Cmd =
  | { readonly t: 'push'; readonly leaf: number; readonly count: number }
  | { readonly t: 'pushPath'; readonly path: readonly Key[] }
  | { readonly t: 'next' | 'take' }
  | { readonly t: 'takeAt'; readonly target: number }
  | { readonly t: 'release'; readonly which: number }
  | {
      readonly t: 'setWeight';
      readonly node: number;
      readonly child: number;
      readonly weight: number;
      readonly pushed?: boolean;
    }
  | { readonly t: 'setCap'; readonly target: number; readonly cap: number; readonly pushed?: boolean }
  | { readonly t: 'add'; readonly node: number; readonly key: ChildKey; readonly items: number; readonly extra: Extra }
  | { readonly t: 'delete' | 'pause' | 'resume'; readonly node: number; readonly child: number }
  | { readonly t: 'bad'; readonly node: number; readonly child: number; readonly what: 'weight' | 'cap' | 'unknown' };

const sel = fc.nat({ max: 15 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ t: fc.constant('push' as const), leaf: sel, count: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('pushPath' as const),
      path: fc.array(keyArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ t: 'next' as const }) },
  { weight: 8, arbitrary: fc.constant({ t: 'take' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('takeAt' as const), target: sel }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('release' as const), which: sel }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('setWeight' as const),
      node: sel,
      child: sel,
      weight: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('setCap' as const), target: sel, cap: capArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('add' as const),
      node: sel,
      key: keyArb,
      items: fc.nat({ max: 3 }),
      extra: extraArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), node: sel, child: sel }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('pause' as const), node: sel, child: sel }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('resume' as const), node: sel, child: sel }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('bad' as const),
      node: sel,
      child: sel,
      what: fc.constantFrom('weight' as const, 'cap' as const, 'unknown' as const),
    }),
  },
);

/**
 * With `spares`: more `push(path)`, over keys the constructors never use ('x', 'y'), so the branches are `push`'s
 * and come back after they emptied (otherwise a reuse is rare).
 */
const PUSHED_KEYS = ['x', 'y'];
const sparesCmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: cmdArb },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('pushPath' as const),
      path: fc.array(fc.constantFrom(...PUSHED_KEYS), { minLength: 1, maxLength: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('pushPath' as const),
      path: fc.tuple(fc.constantFrom(...PUSHED_KEYS), keyArb),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'take' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), which: sel }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('setCap' as const), target: sel, cap: capArb, pushed: fc.constant(true) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('setWeight' as const),
      node: sel,
      child: sel,
      weight: fc.integer({ min: 1, max: 3 }),
      pushed: fc.constant(true),
    }),
  },
);

/** Whether a key path is below a key that only `push(path)` uses. */
function isPushed(path: readonly Key[]): boolean {
  return path.length > 0 && PUSHED_KEYS.includes(path[0] as Key);
}

/** `push(path)` settings of the root: a weight that depends on the path, and caps per depth. */
const branchesArb = fc.record({
  weighted: fc.boolean(),
  caps: fc.array(capArb, { maxLength: 3 }),
});

function pathWeight(path: readonly unknown[], depth: number): number {
  return 1 + ((String(path.at(-1)).charCodeAt(0) + depth) % 3);
}

class World {
  readonly impl = new Map<number, QueueNode<string>>();
  readonly root: RoundRobinQueue<string, string>;
  readonly model: ModelNode<string>;
  readonly branches: ModelBranches & { readonly weight?: (path: readonly unknown[], depth: number) => number };
  readonly bound = new RotationBound();
  /** Counted events not yet released, with their leaf on both sides. */
  readonly running: { event: string; leaf: QueueNode<string>; model: ModelLeaf<string> }[] = [];
  #events = 0;
  #extra = 0;

  /**
   * `spares`: the root keeps that many emptied branches of its `push(path)` for reuse. A reused one keeps its first
   * place in key order, where the model puts a re-created one last: keys and `delete`'s events are then compared as
   * sets.
   */
  constructor(
    spec: NodeSpec,
    readonly extras: readonly Extra[],
    branches: { weighted: boolean; caps: number[] },
    readonly spares = 0,
  ) {
    this.branches = { weight: branches.weighted ? pathWeight : undefined, caps: branches.caps };
    const rootExtra = this.#nextExtra();
    const { model, impl } = this.build(spec, {
      cap: rootExtra.cap,
      pathWeight: this.branches.weight,
      pathCaps: branches.caps,
      spares,
    });
    this.model = model as ModelNode<string>;
    this.root = impl as RoundRobinQueue<string, string>;
  }

  #nextExtra(): Extra {
    return this.extras[this.#extra++ % this.extras.length] as Extra;
  }

  #newEvents(leaf: ModelLeaf<string>, n: number): string[] {
    const events: string[] = [];
    for (let i = 0; i < n; i++) events.push(`e${this.#events++}`);
    leaf.items.push(...events);
    return events;
  }

  /** Builds a subtree through the constructors, weights and caps of the children given as constructor options. */
  build(
    spec: TreeSpec,
    own: {
      cap: number;
      pathWeight?: (path: readonly unknown[], depth: number) => number;
      pathCaps?: readonly number[];
      spares?: number;
    },
  ): { model: ModelTree<string>; impl: QueueNode<string> } {
    if (spec.t === 'leaf') {
      const model = modelLeaf<string>();
      const fifo = new FifoQueue(this.#newEvents(model, spec.items));
      model.cap = own.cap;
      fifo.setCap(own.cap);
      this.impl.set(model.id, fifo);
      return { model, impl: fifo };
    }
    const built = spec.children.map((c) => {
      const extra = this.#nextExtra();
      return { key: c.key, extra, paused: c.paused, ...this.build(c.spec, { cap: Infinity }) };
    });
    const weights = new Map(built.map((b) => [b.key as Key, b.extra.weight]));
    const caps = new Map(built.map((b) => [b.key as Key, b.extra.cap]));
    for (const b of built) b.model.cap = b.extra.cap;
    const model = modelNode(
      built.map((b) => [b.key, b.model] as [Key, ModelTree<string>]),
      weights,
    );
    model.cap = own.cap;
    const impl = new RoundRobinQueue<string, string>(
      spec.asMap ? new Map(built.map((b) => [b.key, b.impl])) : Object.fromEntries(built.map((b) => [b.key, b.impl])),
      {
        weights: spec.asMap ? weights : Object.fromEntries(weights),
        caps: spec.asMap ? caps : Object.fromEntries(caps),
        cap: own.cap,
        pathWeight: own.pathWeight,
        pathCaps: own.pathCaps,
        spares: own.spares,
      },
    );
    for (const b of built) {
      if (!b.paused) continue;
      impl.pause(b.key);
      (model.children.get(b.key) as { paused: boolean }).paused = true;
    }
    normalize(model);
    this.impl.set(model.id, impl);
    return { model, impl };
  }

  implOf(tree: ModelTree<string>): QueueNode<string> {
    const impl = this.impl.get(tree.id);
    if (impl === undefined) throw new Error(`no implementation for model ${tree.kind} ${tree.id}`);
    return impl;
  }

  /** Every node and leaf below the root (the root too), with its path. */
  targets(): { tree: ModelTree<string>; path: Key[] }[] {
    return [
      ...modelNodes(this.model).map(({ node, path }) => ({ tree: node as ModelTree<string>, path })),
      ...modelLeaves(this.model).map(({ leaf, path }) => ({ tree: leaf as ModelTree<string>, path })),
    ];
  }

  /** A served event: the weighted rotation bound at every node on its way, and (counted) no cap passed. */
  served(at: readonly Key[], keys: readonly Key[], counted: boolean): void {
    for (let i = 0; i < keys.length; i++) {
      const nodePath = [...at, ...keys.slice(0, i)];
      const key = keys[i] as Key;
      const parent = nodeAt(this.model, nodePath);
      const weight = parent?.children.get(key)?.weight ?? 1;
      this.bound.served(nodePath, key, RotationBound.backlogged(this.model, [...nodePath, key]), weight);
    }
    if (!counted || at.length > 0) return;
    // A counted take from the root never goes past a cap on its path.
    let tree: ModelTree<string> = this.model;
    for (let i = 0; ; i++) {
      if (activeIn(tree) > tree.cap)
        throw new Error(`cap passed at [${keys.slice(0, i).join('/')}]: ${activeIn(tree)} active, cap ${tree.cap}`);
      if (i === keys.length || tree.kind === 'leaf') break;
      tree = (tree.children.get(keys[i] as Key) as { child: ModelTree<string> }).child;
    }
  }

  run(cmd: Cmd): void {
    const nodes = modelNodes(this.model);
    switch (cmd.t) {
      case 'push': {
        const target = pick(modelLeaves(this.model), cmd.leaf);
        if (target === undefined) return;
        const fifo = this.implOf(target.leaf) as FifoQueue<string>;
        for (const event of this.#newEvents(target.leaf, cmd.count)) {
          normalize(this.model);
          fifo.push(event);
        }
        return;
      }
      case 'pushPath': {
        const event = `e${this.#events++}`;
        let created: ModelLeaf<string> | undefined;
        const outcome = pushPath(this.model, cmd.path, event, () => (created = modelLeaf()), this.branches);
        if (outcome !== 'ok') {
          throws(
            () => this.root.push(cmd.path, event),
            TypeError,
            new RegExp(outcome),
            `push(${JSON.stringify(cmd.path)})`,
          );
          return;
        }
        this.root.push(cmd.path, event);
        if (created !== undefined) this.impl.delete(created.id); // learnt by check()
        return;
      }
      case 'next':
      case 'take': {
        const counted = cmd.t === 'take';
        const expected = takeNext(this.model, counted);
        normalize(this.model);
        const actual = counted ? this.root.take() : this.root.next();
        same(actual, expected?.event, `root.${cmd.t}()`);
        if (expected === undefined) return;
        if (counted) {
          same(this.root.lastTaken === this.implOf(expected.leaf), true, 'lastTaken is the leaf of the event');
          this.running.push({ event: expected.event, leaf: this.implOf(expected.leaf), model: expected.leaf });
        }
        this.served([], expected.keys, counted);
        return;
      }
      case 'takeAt': {
        const target = pick(this.targets(), cmd.target) as { tree: ModelTree<string>; path: Key[] };
        const impl = this.implOf(target.tree);
        let expected: { event: string; keys: Key[]; leaf: ModelLeaf<string> } | undefined;
        if (target.tree.kind === 'leaf') {
          const leaf = target.tree;
          if (leaf.items.length > 0 && leaf.running < leaf.cap) {
            leaf.running++;
            expected = { event: leaf.items.shift() as string, keys: [], leaf };
          }
        } else expected = takeNext(target.tree, true);
        normalize(this.model);
        same(impl.take(), expected?.event, `take() at [${target.path.join('/')}]`);
        if (expected === undefined) return;
        this.running.push({ event: expected.event, leaf: impl.lastTaken as QueueNode<string>, model: expected.leaf });
        same(impl.lastTaken === this.implOf(expected.leaf), true, 'lastTaken is the leaf of the event');
        this.served(target.path, expected.keys, true);
        return;
      }
      case 'release': {
        const entry = pick(this.running, cmd.which);
        if (entry === undefined) {
          throws(() => this.root.release(), Error, /without a matching take/, 'release of nothing');
          return;
        }
        this.running.splice(this.running.indexOf(entry), 1);
        entry.model.running--;
        normalize(this.model);
        entry.leaf.release();
        return;
      }
      case 'setWeight': {
        // `pushed`: only below the keys `push(path)` alone uses, so that a branch changed later comes back.
        const { node, path } = pick(
          cmd.pushed === true ? nodes.filter((n) => n.path.length === 0 || isPushed(n.path)) : nodes,
          cmd.node,
        ) as (typeof nodes)[number];
        const key = pick(
          [...node.children.keys()].filter((k) => cmd.pushed !== true || isPushed([...path, k])),
          cmd.child,
        );
        if (key === undefined) return;
        this.bound.reweighted(path, key);
        (node.children.get(key) as { weight?: number }).weight = cmd.weight;
        if (node.front === key) node.used = 0; // its turns start afresh
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        same(impl.setWeight(key, cmd.weight) === impl, true, 'setWeight returns the node');
        return;
      }
      case 'setCap': {
        const targets = this.targets().filter((t) => cmd.pushed !== true || isPushed(t.path));
        const target = pick(targets, cmd.target) as { tree: ModelTree<string> } | undefined;
        if (target === undefined) return;
        target.tree.cap = cmd.cap;
        normalize(this.model);
        this.implOf(target.tree).setCap(cmd.cap);
        return;
      }
      case 'add': {
        const { node } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        const leaf = modelLeaf<string>();
        const fifo = new FifoQueue(this.#newEvents(leaf, cmd.items));
        if (node.children.has(cmd.key)) {
          throws(
            () => impl.add(cmd.key, fifo, { weight: cmd.extra.weight }),
            Error,
            /already in this node/,
            'add of a duplicate key',
          );
          return;
        }
        leaf.cap = cmd.extra.cap;
        this.impl.set(leaf.id, fifo);
        node.children.set(cmd.key, { child: leaf, paused: false, auto: false, weight: cmd.extra.weight });
        normalize(this.model);
        impl.add(cmd.key, fifo, { weight: cmd.extra.weight, cap: cmd.extra.cap });
        return;
      }
      case 'delete':
      case 'pause':
      case 'resume': {
        const { node } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const key = pick([...node.children.keys()], cmd.child);
        if (key === undefined) return;
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        const slot = node.children.get(key) as { child: ModelTree<string>; paused: boolean };
        if (cmd.t === 'delete') {
          const expected = queuedEvents(slot.child);
          node.children.delete(key);
          normalize(this.model);
          same(this.#inOrder(impl.delete(key)), this.#inOrder(expected), `delete ${key}`);
          return;
        }
        slot.paused = cmd.t === 'pause';
        normalize(this.model);
        impl[cmd.t](key);
        return;
      }
      case 'bad': {
        const { node } = pick(nodes, cmd.node) as (typeof nodes)[number];
        const impl = this.implOf(node) as RoundRobinQueue<string, string>;
        const key = pick([...node.children.keys()], cmd.child);
        if (cmd.what === 'unknown' || key === undefined) {
          throws(() => impl.setWeight('zz', 2), Error, /no such child/, 'setWeight of an unknown key');
          return;
        }
        if (cmd.what === 'weight') {
          for (const bad of [0, 1.5, -1, Infinity, Number.NaN, '2']) {
            throws(
              () => impl.setWeight(key, bad as number),
              TypeError,
              /Expected `weight` to be a positive integer/,
              `setWeight(${String(bad)})`,
            );
          }
        } else {
          for (const bad of [0, 1.5, -1, Number.NaN, '2']) {
            throws(
              () => impl.setCap(bad as number),
              TypeError,
              /Expected `cap` to be a positive integer or Infinity/,
              `setCap(${String(bad)})`,
            );
          }
        }
        return;
      }
    }
  }

  /** A list as compared: sorted when reused branches may keep their first place in key order. */
  #inOrder<V>(list: V[]): V[] {
    return this.spares === 0 ? list : [...list].sort();
  }

  /** The whole implementation against the model: keys, weights, pause flags, caps, sizes, readiness, active counts. */
  check(): void {
    const walk = (model: ModelTree<string>, impl: QueueNode<string>, path: string): void => {
      if (model.kind === 'leaf') same([...(impl as FifoQueue<string>)], model.items, `events at ${path}`);
      else {
        const node = impl as RoundRobinQueue<string, string>;
        same(this.#inOrder([...node.keys()]), this.#inOrder([...model.children.keys()]), `keys at ${path}`);
        for (const [key, slot] of model.children) {
          same(node.isPaused(key), slot.paused, `paused ${path}/${key}`);
          same(node.weightOf(key), slot.weight ?? 1, `weight ${path}/${key}`);
          const child = node.get(key) as QueueNode<string>;
          const known = this.impl.get(slot.child.id);
          if (known === undefined) this.impl.set(slot.child.id, child);
          else same(child === known, true, `identity of ${path}/${key}`);
          walk(slot.child, child, `${path}/${key}`);
        }
      }
      same(impl.cap, model.cap, `cap at ${path}`);
      same(impl.active, activeIn(model), `active at ${path}`);
      same(impl.size, countQueued(model), `size at ${path}`);
      same(impl.ready, isReady(model), `ready at ${path}`);
    };
    walk(this.model, this.root, 'root');
    this.bound.observe(this.model);
  }

  /** Resumes everything, then takes and releases until nothing is left: every event comes out exactly once. */
  finish(): void {
    for (const { node } of modelNodes(this.model)) {
      for (const [key, slot] of node.children) {
        if (!slot.paused) continue;
        slot.paused = false;
        normalize(this.model);
        (this.implOf(node) as RoundRobinQueue<string, string>).resume(key);
      }
    }
    this.check();
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.root.ready) this.run({ t: 'take' });
      else if (this.running.length > 0) this.run({ t: 'release', which: 0 });
      else break;
      this.check();
    }
    same(this.root.active, 0, 'active after the drain');
  }
}

function nodeAt(root: ModelNode<string>, path: readonly Key[]): ModelNode<string> | undefined {
  let tree: ModelTree<string> = root;
  for (const key of path) {
    if (tree.kind !== 'node') return undefined;
    const slot = tree.children.get(key);
    if (slot === undefined) return undefined;
    tree = slot.child;
  }
  return tree.kind === 'node' ? tree : undefined;
}

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 500);

/** Runs the commands, checking the whole tree against the model after each, then drains it. */
function runWorld(world: World, cmds: readonly Cmd[]): void {
  world.check();
  for (const cmd of cmds) {
    world.run(cmd);
    world.check();
  }
  world.finish();
}

describe('RoundRobinQueue weights and caps (model-based)', () => {
  it('should match the model: weighted order, caps counted by take/release, run-time changes, the weighted rotation bound', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(3, leafSpecArb(3)),
        fc.array(extraArb, { minLength: 1, maxLength: 30 }),
        branchesArb,
        fc.array(cmdArb, { maxLength: 60, size: 'max' }),
        (spec, extras, branches, cmds) => runWorld(new World(spec, extras, branches), cmds),
      ),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  // `spares` on the root: branches of `push(path)` with `pathCaps` are parked once empty and reused: a reused one
  // must be exactly a new one, its cap the depth's again and its weight asked again (`pathWeight`) or 1 after
  // `setCap`/`setWeight` changed them. 1 and 2 spares make parked branches go again all the time.
  it('should match the model with spare branches kept for reuse (spares 1, 2, 1,000)', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(1, leafSpecArb(1)),
        fc.array(extraArb, { minLength: 1, maxLength: 30 }),
        branchesArb,
        fc.array(sparesCmdArb, { maxLength: 60, size: 'max' }),
        fc.constantFrom(1, 2, 1000),
        (spec, extras, branches, cmds, spares) => runWorld(new World(spec, extras, branches, spares), cmds),
      ),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);

  it('should have a weighted rotation-bound check that rejects a child served past its weight', () => {
    const model = modelNode<string>(
      [
        ['heavy', modelLeaf(['h0', 'h1', 'h2'])],
        ['light', modelLeaf(['l0'])],
      ],
      new Map([['heavy', 2]]),
    );
    const bound = new RotationBound();
    bound.observe(model);
    bound.served([], 'heavy', true, 2);
    bound.served([], 'heavy', true, 2);
    throws(() => bound.served([], 'heavy', true, 2), Error, /rotation bound/, 'a third turn in a row');
  });
});
