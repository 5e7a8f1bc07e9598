import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FifoQueue, PriorityQueue, RoundRobinQueue, type QueueNode } from '../../src/index.js';
import {
  ModelPriority,
  countQueued,
  modelLeaf,
  modelNode,
  normalize,
  type ModelLeaf,
  type ModelLevel,
} from './model.js';

/**
 * Model-based properties of priority levels in the synchronous core: a `PriorityQueue` of 2 to 4 levels, each a
 * `FifoQueue` or a `RoundRobinQueue` of leaves, with random weights, caps and `every`, driven by pushes, `next()`,
 * counted `take()`s, releases in any order, pause, resume, run-time `setEvery` and `setCap`; checked step by step
 * against `ModelPriority`. Besides the exact order, two properties that do not depend on the model's bookkeeping:
 * strict, no dispatch from a level while a level above it was ready; guarded, a ready level waits at most
 * `every` × (1 + the weights of the other levels below the first) dispatches of the node.
 */

interface LevelSpec {
  /** 0: the level is a leaf; else a round-robin node of that many leaves. */
  readonly leaves: number;
  readonly items: number;
  readonly weight: number;
  readonly cap: number;
}

const capArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(Infinity) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
);
const everyArb = fc.oneof(fc.constant(Infinity), fc.integer({ min: 2, max: 4 }));
const levelArb: fc.Arbitrary<LevelSpec> = fc.record({
  leaves: fc.nat({ max: 3 }),
  items: fc.nat({ max: 4 }),
  weight: fc.integer({ min: 1, max: 3 }),
  cap: capArb,
});

type Cmd =
  | { readonly t: 'push'; readonly leaf: number; readonly count: number }
  | { readonly t: 'next' | 'take' }
  | { readonly t: 'release'; readonly which: number }
  | { readonly t: 'pause' | 'resume'; readonly level: number }
  | { readonly t: 'setEvery'; readonly every: number }
  | { readonly t: 'setCap'; readonly level: number; readonly cap: number };

const sel = fc.nat({ max: 15 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ t: fc.constant('push' as const), leaf: sel, count: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 3, arbitrary: fc.constant({ t: 'next' as const }) },
  { weight: 8, arbitrary: fc.constant({ t: 'take' as const }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('release' as const), which: sel }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), level: sel }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('resume' as const), level: sel }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('setEvery' as const), every: everyArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('setCap' as const), level: sel, cap: capArb }) },
);

const KEYS = ['urgent', 'normal', 'low', 'background'];

class World {
  readonly impl: PriorityQueue<string>;
  readonly model: ModelPriority<string>;
  readonly leaves: { impl: FifoQueue<string>; model: ModelLeaf<string> }[] = [];
  readonly running: { event: string; leaf: QueueNode<string>; model: ModelLeaf<string> }[] = [];
  /** Per level: dispatches of the node since it was last served, while it stayed ready; `null` while not ready. */
  waited: (number | null)[];
  #events = 0;

  constructor(
    readonly specs: readonly LevelSpec[],
    every: number,
  ) {
    const levels = new Map<string, QueueNode<string>>();
    const modelLevels: ModelLevel<string>[] = [];
    specs.forEach((spec, i) => {
      const key = KEYS[i] as string;
      const events = Array.from({ length: spec.items }, () => this.#event());
      if (spec.leaves === 0) {
        const impl = new FifoQueue(events);
        const model = modelLeaf(events);
        this.leaves.push({ impl, model });
        levels.set(key, impl);
        modelLevels.push({ key, tree: model, paused: false, weight: spec.weight });
      } else {
        const children = new Map<string, FifoQueue<string>>();
        const modelChildren: [string, ModelLeaf<string>][] = [];
        for (let j = 0; j < spec.leaves; j++) {
          const mine = j === 0 ? events : [];
          const impl = new FifoQueue(mine);
          const model = modelLeaf(mine);
          this.leaves.push({ impl, model });
          children.set(`l${j}`, impl);
          modelChildren.push([`l${j}`, model]);
        }
        levels.set(key, new RoundRobinQueue<string>(children));
        modelLevels.push({ key, tree: modelNode(modelChildren), paused: false, weight: spec.weight });
      }
      modelLevels[i]!.tree.cap = spec.cap;
    });
    const weights = new Map(specs.map((spec, i) => [KEYS[i] as string, spec.weight]));
    const caps = new Map(specs.map((spec, i) => [KEYS[i] as string, spec.cap]));
    this.impl = new PriorityQueue<string>(levels, { every, weights, caps });
    this.model = new ModelPriority(modelLevels, every);
    this.waited = specs.map(() => null);
    this.#observe();
  }

  #event(): string {
    return `e${this.#events++}`;
  }

  /** The guarded bound of a level: `every` × (1 + the weights of the other levels below the first). */
  bound(level: number): number {
    const others = this.specs.reduce((sum, spec, i) => (i === 0 || i === level ? sum : sum + spec.weight), 0);
    return this.model.every * (1 + others);
  }

  #observe(): void {
    const ready = new Set(this.model.readyLevels());
    this.waited = this.waited.map((w, i) => (ready.has(i) ? (w ?? 0) : null));
  }

  run(cmd: Cmd): void {
    const { impl, model } = this;
    const levelKey = (n: number): string => KEYS[n % this.specs.length] as string;
    const levelOf = (n: number): ModelLevel<string> => model.levels[n % this.specs.length] as ModelLevel<string>;
    switch (cmd.t) {
      case 'push': {
        const leaf = this.leaves[cmd.leaf % this.leaves.length]!;
        for (let i = 0; i < cmd.count; i++) {
          const event = this.#event();
          leaf.impl.push(event);
          leaf.model.items.push(event);
        }
        for (const level of model.levels) if (level.tree.kind === 'node') normalizeLevel(level);
        break;
      }
      case 'next':
      case 'take': {
        const count = cmd.t === 'take';
        const readyBefore = model.readyLevels();
        const expected = model.take(count);
        const got = count ? impl.take() : impl.next();
        expect(got).toBe(expected?.event);
        if (expected === undefined) break;
        // Strict: nothing from a level while a level above it was ready.
        if (model.every === Infinity) expect(expected.level).toBe(readyBefore[0]);
        for (let i = 0; i < this.waited.length; i++) {
          const w = this.waited[i];
          if (w === null || w === undefined) continue;
          this.waited[i] = i === expected.level ? 0 : w + 1;
          if (model.every !== Infinity && i !== readyBefore[0])
            expect(this.waited[i], `level ${i} waited past its bound`).toBeLessThanOrEqual(this.bound(i));
        }
        if (count)
          this.running.push({ event: expected.event, leaf: impl.lastTaken as QueueNode<string>, model: expected.leaf });
        for (const level of model.levels) if (level.tree.kind === 'node') normalizeLevel(level);
        break;
      }
      case 'release': {
        if (this.running.length === 0) break;
        const [r] = this.running.splice(cmd.which % this.running.length, 1);
        r!.leaf.release();
        r!.model.running--;
        for (const level of model.levels) if (level.tree.kind === 'node') normalizeLevel(level);
        break;
      }
      case 'pause':
        impl.pause(levelKey(cmd.level));
        levelOf(cmd.level).paused = true;
        break;
      case 'resume':
        impl.resume(levelKey(cmd.level));
        levelOf(cmd.level).paused = false;
        break;
      case 'setEvery':
        impl.setEvery(cmd.every);
        model.setEvery(cmd.every);
        this.waited = this.waited.map(() => null); // the bound is the new one's, from now on
        break;
      case 'setCap':
        (impl.get(levelKey(cmd.level)) as QueueNode<string>).setCap(cmd.cap);
        levelOf(cmd.level).tree.cap = cmd.cap;
        break;
    }
    this.#observe();
    expect(impl.ready).toBe(model.ready());
    expect(impl.size).toBe(model.levels.reduce((n, level) => n + countQueued(level.tree), 0));
    expect(impl.active).toBe(model.active());
  }
}

function normalizeLevel(level: ModelLevel<string>): void {
  if (level.tree.kind === 'node') normalize(level.tree); // rotations follow readiness (pushes, releases)
}

describe('priority levels in the core, against the model', () => {
  it('should dispatch exactly as the model, strict or guarded, and hold both bounds', () => {
    fc.assert(
      fc.property(
        fc.array(levelArb, { minLength: 2, maxLength: 4 }),
        everyArb,
        fc.array(cmdArb, { maxLength: 60 }),
        (specs, every, cmds) => {
          const world = new World(specs, every);
          for (const cmd of cmds) world.run(cmd);
          // Drained at the end: everything comes out, in the model's order.
          for (const r of world.running) r.leaf.release();
          for (const r of world.running) r.model.running--;
          world.running.length = 0;
          for (const level of world.model.levels) level.paused = false;
          for (const key of world.impl.keys()) world.impl.resume(key);
          while (world.model.ready()) world.run({ t: 'next' });
          expect(world.impl.next()).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
