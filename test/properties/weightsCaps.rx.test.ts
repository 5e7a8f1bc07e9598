import fc from 'fast-check';
import { Subject, finalize, of } from 'rxjs';
import { describe, it } from 'vitest';
import { FifoQueue, QueueNode, RoundRobinQueue, fairMergeMap, roundRobin, type RoundRobin } from '../../src/index.js';
import { nodeSpecArb, pick, same, type ChildKey, type NodeSpec } from './arbitraries.js';

/**
 * Properties of weights and caps in the reactive layer (issue 6, features 1, 2 and 6). The reference is the core
 * `RoundRobinQueue`, itself checked against the model in `weightsCaps.core.test.ts`, fed the same events and
 * driven by the dispatch rule: while a slot is free, `take()`; release the event's leaf when its projection
 * completes. Checked after every step: the exact dispatch order, never more projections active below a node than
 * its cap, and work conservation (a free slot with an event that no cap or pause holds back is used).
 */

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 300);

const capArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(Infinity) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 }) },
);
const concurrencyArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

type Cmd =
  | { readonly t: 'arrive'; readonly leaf: number; readonly count: number; readonly sync: boolean }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'setCap'; readonly node: number; readonly child: number | null; readonly cap: number }
  | { readonly t: 'setWeight'; readonly node: number; readonly child: number; readonly weight: number }
  | { readonly t: 'pause' | 'resume'; readonly node: number; readonly child: number };

const sel = fc.nat({ max: 15 });
const cmdArb = (withControl: boolean): fc.Arbitrary<Cmd> =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        t: fc.constant('arrive' as const),
        leaf: sel,
        count: fc.integer({ min: 1, max: 4 }),
        sync: fc.nat({ max: 4 }).map((n) => n === 0),
      }),
    },
    { weight: 9, arbitrary: fc.record({ t: fc.constant('finish' as const), which: sel }) },
    {
      weight: withControl ? 2 : 0,
      arbitrary: fc.record({ t: fc.constant('setCap' as const), node: sel, child: fc.option(sel), cap: capArb }),
    },
    {
      weight: withControl ? 2 : 0,
      arbitrary: fc.record({
        t: fc.constant('setWeight' as const),
        node: sel,
        child: sel,
        weight: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: withControl ? 1 : 0, arbitrary: fc.record({ t: fc.constant('pause' as const), node: sel, child: sel }) },
    { weight: withControl ? 1 : 0, arbitrary: fc.record({ t: fc.constant('resume' as const), node: sel, child: sel }) },
  );

interface Ev {
  readonly id: string;
  readonly path: readonly ChildKey[];
  readonly sync: boolean;
}

/** The key paths of the leaves of a tree shape (none a prefix of another). */
function leafPaths(spec: NodeSpec<{ readonly t: 'leaf' }>, prefix: ChildKey[] = []): ChildKey[][] {
  return spec.children.flatMap((c) =>
    c.spec.t === 'leaf' ? [[...prefix, c.key]] : leafPaths(c.spec, [...prefix, c.key]),
  );
}

/** The node paths of a tree shape, the root first. */
function nodePaths(spec: NodeSpec<{ readonly t: 'leaf' }>, prefix: ChildKey[] = []): ChildKey[][] {
  return [prefix, ...spec.children.flatMap((c) => (c.spec.t === 'leaf' ? [] : nodePaths(c.spec, [...prefix, c.key])))];
}

/** The core node or leaf at a '/'-joined path. */
function coreAt(root: RoundRobinQueue<Ev, string>, path: string): QueueNode<Ev> {
  let node: QueueNode<Ev> = root;
  for (const key of path === '' ? [] : path.split('/'))
    node = (node as RoundRobinQueue<Ev, string>).get(key) as QueueNode<Ev>;
  return node;
}

/** The reference dispatcher over a core tree: take while a slot is free, release on completion. */
class Reference {
  readonly dispatched: string[] = [];
  readonly active = new Map<string, QueueNode<Ev>>();
  constructor(
    readonly queue: RoundRobinQueue<Ev, unknown>,
    readonly concurrency: number,
  ) {}

  pump(): void {
    while (this.active.size < this.concurrency && this.queue.ready) {
      const event = this.queue.take() as Ev;
      const leaf = this.queue.lastTaken as QueueNode<Ev>;
      this.dispatched.push(event.id);
      if (event.sync) leaf.release();
      else this.active.set(event.id, leaf);
    }
  }

  finish(id: string): void {
    (this.active.get(id) as QueueNode<Ev>).release();
    this.active.delete(id);
    this.pump();
  }
}

/** The implementation's side: projections that the test completes, and what is active below each path. */
class Observed {
  readonly dispatched: string[] = [];
  readonly projections = new Map<string, Subject<string>>();
  readonly live = new Map<string, Ev>();
  violation: string | null = null;
  error: unknown;

  constructor(readonly capOf: (path: readonly ChildKey[]) => number) {}

  readonly project = (event: Ev) => {
    this.dispatched.push(event.id);
    this.live.set(event.id, event);
    // Never more active below a node than its cap: count the live projections under every prefix of the path.
    for (let d = 0; d <= event.path.length; d++) {
      const prefix = event.path.slice(0, d);
      const n = [...this.live.values()].filter((e) => prefix.every((k, i) => e.path[i] === k)).length;
      const cap = this.capOf(prefix);
      if (n > cap) this.violation ??= `${n} active below [${prefix.join('/')}], cap ${cap}`;
    }
    const done = (): void => void this.live.delete(event.id);
    if (event.sync) return of(`r:${event.id}`).pipe(finalize(done));
    const subject = new Subject<string>();
    this.projections.set(event.id, subject);
    return subject.pipe(finalize(done));
  };

  finish(id: string): void {
    const subject = this.projections.get(id) as Subject<string>;
    subject.next(`r:${id}`);
    subject.complete();
  }
}

describe('fairMergeMap with by, weight and caps (properties)', () => {
  it('should dispatch like the core tree with the same weights and caps, within every cap, keeping every free slot busy', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(3, fc.constant({ t: 'leaf' as const })),
        concurrencyArb,
        fc.array(capArb, { minLength: 1, maxLength: 4 }),
        fc.array(cmdArb(false), { maxLength: 60, size: 'max' }),
        (shape, concurrency, caps, cmds) => {
          const paths = leafPaths(shape);
          const weight = (path: readonly unknown[], depth: number): number =>
            1 + ((String(path.at(-1)).charCodeAt(0) + depth) % 3);
          const ref = new Reference(
            new RoundRobinQueue<Ev, unknown>(undefined, { pathWeight: weight, pathCaps: caps }),
            concurrency,
          );
          const obs = new Observed((prefix) =>
            prefix.length === 0 ? Infinity : (caps[prefix.length - 1] ?? Infinity),
          );
          const source = new Subject<Ev>();
          let completed = false;
          source
            .pipe(fairMergeMap(obs.project, { concurrency, by: (e: Ev) => e.path, weight, caps }))
            .subscribe({ error: (e: unknown) => (obs.error = e), complete: () => (completed = true) });
          let n = 0;
          const step = (what: string): void => {
            same(obs.error, undefined, `after ${what}: output error`);
            if (obs.violation !== null) throw new Error(`after ${what}: ${obs.violation}`);
            same(obs.dispatched, ref.dispatched, `after ${what}: dispatch order`);
            // Work-conserving: a free slot is never left idle while the reference could take an event.
            same(obs.live.size < concurrency && ref.queue.ready, false, `after ${what}: a free slot idles`);
          };
          for (const cmd of cmds) {
            if (cmd.t === 'arrive') {
              const path = pick(paths, cmd.leaf) as ChildKey[];
              for (let i = 0; i < cmd.count; i++) {
                const event: Ev = { id: `e${n++}`, path, sync: cmd.sync };
                ref.queue.push(path, event);
                ref.pump();
                source.next(event);
              }
            } else if (cmd.t === 'finish') {
              const id = pick([...ref.active.keys()], cmd.which);
              if (id === undefined) continue;
              ref.finish(id);
              obs.finish(id);
            }
            step(cmd.t);
          }
          source.complete();
          while (ref.active.size > 0) {
            const id = [...ref.active.keys()][0] as string;
            ref.finish(id);
            obs.finish(id);
            step('drain');
          }
          same(completed, true, 'completed after the drain');
          same(obs.dispatched.length, n, 'every event dispatched');
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});

describe('roundRobin with weights and caps (properties)', () => {
  it('should dispatch like the core tree with the same weights and caps, through run-time setCap/setWeight/pause/resume', () => {
    fc.assert(
      fc.property(
        nodeSpecArb(3, fc.constant({ t: 'leaf' as const })),
        concurrencyArb,
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 3 }), cap: capArb }), { minLength: 1, maxLength: 20 }),
        fc.array(cmdArb(true), { maxLength: 60, size: 'max' }),
        (shape, concurrency, extras, cmds) => {
          // Build the same tree twice: roundRobin nodes over Subjects, and core nodes over FifoQueues.
          let e = 0;
          const extra = (): { weight: number; cap: number } =>
            extras[e++ % extras.length] as { weight: number; cap: number };
          const subjects = new Map<string, Subject<Ev>>();
          const rxNodes = new Map<string, RoundRobin<Ev, string>>();
          const coreNodes = new Map<string, RoundRobinQueue<Ev, string>>();
          // Caps by path: the one a parent sets for a child, a node's own, and the lower of both, which applies.
          const slotCaps = new Map<string, number>();
          const ownCaps = new Map<string, number>();
          const caps = new Map<string, number>();
          const effective = (path: string): number =>
            Math.min(slotCaps.get(path) ?? Infinity, ownCaps.get(path) ?? Infinity);
          const build = (spec: NodeSpec<{ readonly t: 'leaf' }>, path: ChildKey[]): void => {
            const weights: Record<string, number> = {};
            const childCaps: Record<string, number> = {};
            const rxChildren: Record<string, Subject<Ev> | RoundRobin<Ev, string>> = {};
            const coreChildren: Record<string, QueueNode<Ev>> = {};
            for (const c of spec.children) {
              const x = extra();
              weights[c.key] = x.weight;
              childCaps[c.key] = x.cap;
              const childPath = [...path, c.key];
              slotCaps.set(childPath.join('/'), x.cap);
              caps.set(childPath.join('/'), x.cap);
              if (c.spec.t === 'leaf') {
                const subject = new Subject<Ev>();
                subjects.set(childPath.join('/'), subject);
                rxChildren[c.key] = subject;
                coreChildren[c.key] = new FifoQueue<Ev>();
              } else {
                build(c.spec, childPath);
                rxChildren[c.key] = rxNodes.get(childPath.join('/')) as RoundRobin<Ev, string>;
                coreChildren[c.key] = coreNodes.get(childPath.join('/')) as RoundRobinQueue<Ev, string>;
              }
            }
            // The root gets a cap far above anything here: counting is on from the start (a cap set later would not
            // count what already runs, as documented), while only the generated caps ever bind.
            const own = path.length === 0 ? 1_000_000 : Infinity;
            rxNodes.set(path.join('/'), roundRobin(rxChildren, { weights, caps: childCaps, cap: own }));
            coreNodes.set(
              path.join('/'),
              new RoundRobinQueue<Ev, string>(coreChildren, { weights, caps: childCaps, cap: own }),
            );
          };
          build(shape, []);
          ownCaps.set('', 1_000_000);
          caps.set('', 1_000_000);
          const paths = leafPaths(shape);
          const nodes = nodePaths(shape);
          const coreRoot = coreNodes.get('') as RoundRobinQueue<Ev, string>;
          const ref = new Reference(coreRoot as RoundRobinQueue<Ev, unknown>, concurrency);
          const obs = new Observed((prefix) => caps.get(prefix.join('/')) ?? Infinity);
          let completed = false;
          (rxNodes.get('') as RoundRobin<Ev, string>)
            .pipe(fairMergeMap(obs.project, concurrency))
            .subscribe({ error: (err: unknown) => (obs.error = err), complete: () => (completed = true) });
          let n = 0;
          const step = (what: string): void => {
            same(obs.error, undefined, `after ${what}: output error`);
            if (obs.violation !== null) throw new Error(`after ${what}: ${obs.violation}`);
            same(obs.dispatched, ref.dispatched, `after ${what}: dispatch order`);
            same(obs.live.size < concurrency && ref.queue.ready, false, `after ${what}: a free slot idles`);
          };
          const childOf = (nodeSel: number, childSel: number): { node: string; key: string } | undefined => {
            const node = (pick(nodes, nodeSel) as ChildKey[]).join('/');
            const key = pick([...(coreNodes.get(node) as RoundRobinQueue<Ev, string>).keys()], childSel);
            return key === undefined ? undefined : { node, key };
          };
          for (const cmd of cmds) {
            switch (cmd.t) {
              case 'arrive': {
                const path = pick(paths, cmd.leaf) as ChildKey[];
                for (let i = 0; i < cmd.count; i++) {
                  const event: Ev = { id: `e${n++}`, path, sync: cmd.sync };
                  (coreAt(coreRoot, path.join('/')) as FifoQueue<Ev>).push(event);
                  ref.pump();
                  subjects.get(path.join('/'))?.next(event);
                }
                break;
              }
              case 'finish': {
                const id = pick([...ref.active.keys()], cmd.which);
                if (id === undefined) continue;
                ref.finish(id);
                obs.finish(id);
                break;
              }
              case 'setCap': {
                const node = (pick(nodes, cmd.node) as ChildKey[]).join('/');
                const rx = rxNodes.get(node) as RoundRobin<Ev, string>;
                const child = cmd.child === null ? undefined : childOf(cmd.node, cmd.child);
                if (cmd.child !== null && child === undefined) continue;
                // The caps the check uses change first: setCap dispatches at once what a raised cap lets through.
                const target =
                  child === undefined ? node : child.node === '' ? child.key : `${child.node}/${child.key}`;
                (child === undefined ? ownCaps : slotCaps).set(target, cmd.cap);
                caps.set(target, effective(target));
                if (child === undefined)
                  rx.setCap(cmd.cap); // the node's own cap
                else rx.setCap(child.key, cmd.cap); // the cap the node sets for a child
                coreAt(coreRoot, target).setCap(effective(target));
                ref.pump();
                break;
              }
              case 'setWeight': {
                const target = childOf(cmd.node, cmd.child);
                if (target === undefined) continue;
                (rxNodes.get(target.node) as RoundRobin<Ev, string>).setWeight(target.key, cmd.weight);
                (coreNodes.get(target.node) as RoundRobinQueue<Ev, string>).setWeight(target.key, cmd.weight);
                break;
              }
              case 'pause':
              case 'resume': {
                const target = childOf(cmd.node, cmd.child);
                if (target === undefined) continue;
                (coreNodes.get(target.node) as RoundRobinQueue<Ev, string>)[cmd.t](target.key);
                ref.pump();
                (rxNodes.get(target.node) as RoundRobin<Ev, string>)[cmd.t](target.key);
                break;
              }
            }
            step(cmd.t);
          }
          for (const node of nodes) {
            const core = coreNodes.get(node.join('/')) as RoundRobinQueue<Ev, string>;
            for (const key of core.keys()) {
              if (!core.isPaused(key)) continue;
              core.resume(key);
              ref.pump();
              (rxNodes.get(node.join('/')) as RoundRobin<Ev, string>).resume(key);
              step('resume');
            }
          }
          for (const subject of subjects.values()) subject.complete();
          while (ref.active.size > 0) {
            const id = [...ref.active.keys()][0] as string;
            ref.finish(id);
            obs.finish(id);
            step('drain');
          }
          same(completed, true, 'completed after the drain');
          same(obs.dispatched.length, n, 'every event dispatched');
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 60_000);
});
