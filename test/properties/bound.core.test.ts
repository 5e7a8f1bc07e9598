import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  BoundedFifoQueue,
  OverflowError,
  QueueNode,
  RoundRobinQueue,
  type DropReason,
  type OverflowPolicy,
} from '../../src/index.js';
import { KEYS, pick, same } from './arbitraries.js';
import { BoundModel, type Report } from './boundModel.js';

/**
 * Properties of bounded leaves in the core (issue 6, feature 4): a `RoundRobinQueue` whose `push(path, …)` leaves
 * are bounded (`pathBound`), driven by random pushes, takes, pauses and resumes, against `BoundModel`. After every
 * step: every event that arrived is dispatched, dropped or still queued (`arrived = dispatched + dropped +
 * queued`); no leaf holds more than `size`; each event dispatched is the oldest survivor of its leaf (per-leaf
 * FIFO among the survivors); the drops are reported exactly as the model drops them, in order; with 'error', a
 * push into a full leaf throws an `OverflowError` and changes nothing.
 */

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 300);

const policyArb = fc.constantFrom<OverflowPolicy>('error', 'drop-oldest', 'drop-newest', 'latest');

type Cmd =
  | { readonly t: 'push'; readonly host: number; readonly vm: number; readonly count: number }
  | { readonly t: 'next'; readonly count: number }
  | { readonly t: 'pause' | 'resume'; readonly host: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('push' as const),
      host: fc.nat({ max: 2 }),
      vm: fc.nat({ max: 1 }),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('next' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), host: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resume' as const), host: fc.nat({ max: 2 }) }) },
);

interface Ev {
  readonly id: number;
  readonly path: readonly string[];
}

/** One run; `spares`: the root keeps that many emptied branches for reuse (their leaves bounded as new ones). */
function runCommands(overflow: OverflowPolicy, n: number, cmds: readonly Cmd[], spares: number): void {
  const size = overflow === 'latest' ? 1 : n;
  const model = new BoundModel<Ev>(size, overflow);
  const reports: Report<Ev>[] = [];
  const onDrop = (event: Ev, reason: DropReason, path: readonly unknown[]): void =>
    void reports.push({ event, reason, path });
  const tree = new RoundRobinQueue<Ev, unknown>(undefined, {
    pathBound:
      overflow === 'error' ? { size, overflow } : { size: overflow === 'latest' ? undefined : size, overflow, onDrop },
    spares,
  });
  let arrived = 0;
  let dispatched = 0;
  let id = 0;
  const hosts = KEYS.slice(0, 3);
  const check = (what: string): void => {
    same(reports, model.reports, `after ${what}: reports`);
    same(arrived, dispatched + reports.length + tree.size, `after ${what}: arrived = dispatched + dropped + queued`);
    same(tree.size, model.queued, `after ${what}: queued`);
    for (const host of tree.keys()) {
      const node = tree.get(host) as RoundRobinQueue<Ev, unknown>;
      for (const vm of node.keys()) {
        const leaf = node.get(vm) as QueueNode<Ev>;
        if (!(leaf instanceof BoundedFifoQueue) || leaf.capacity !== size || leaf.overflow !== overflow) {
          throw new Error(`after ${what}: leaf ${String(host)}/${String(vm)} is not bounded as pathBound says`);
        }
        if (leaf.size > size)
          throw new Error(`after ${what}: leaf ${String(host)}/${String(vm)} holds ${leaf.size} > ${size}`);
      }
    }
  };
  for (const cmd of cmds) {
    if (cmd.t === 'push') {
      const path = [pick(hosts, cmd.host) as string, `vm${cmd.vm}`];
      for (let i = 0; i < cmd.count; i++) {
        const event: Ev = { id: id++, path };
        const before = tree.size;
        const fits = !model.full(path);
        let thrown: unknown;
        try {
          tree.push(path, event);
        } catch (err) {
          thrown = err;
        }
        if (thrown === undefined) {
          same(model.push(path, event), true, 'the model accepts the push');
          arrived++;
        } else {
          // Only 'error' throws, only when full, and nothing changed.
          same(overflow === 'error' && !fits, true, `push threw ${String(thrown)}`);
          same(
            thrown instanceof OverflowError && (thrown as OverflowError).path.join('/') === path.join('/'),
            true,
            'an OverflowError naming the path',
          );
          same(tree.size, before, 'a refused push changes nothing');
        }
      }
    } else if (cmd.t === 'next') {
      for (let i = 0; i < cmd.count; i++) {
        const event = tree.next();
        if (event === undefined) break;
        dispatched++;
        // Per-leaf FIFO among the survivors: it is the oldest event its leaf still holds in the model.
        same(model.take(event.path)?.id, event.id, 'the oldest survivor of its leaf');
      }
    } else {
      const host = pick(hosts, cmd.host) as string;
      if (!tree.has(host)) continue;
      if (cmd.t === 'pause') tree.pause(host);
      else tree.resume(host);
    }
    check(cmd.t);
  }
  for (const host of [...tree.keys()]) tree.resume(host);
  for (let event = tree.next(); event !== undefined; event = tree.next()) {
    dispatched++;
    same(model.take(event.path)?.id, event.id, 'drain: the oldest survivor of its leaf');
  }
  check('the drain');
  same(tree.size, 0, 'empty after the drain');
}

describe('BoundedFifoQueue leaves of a RoundRobinQueue (properties)', () => {
  it('should account for every event, hold at most size per leaf, keep FIFO among survivors and report drops in order', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 3 }),
        fc.array(cmdArb, { maxLength: 80, size: 'max' }),
        (overflow, n, cmds) => runCommands(overflow, n, cmds, 0),
      ),
      { numRuns: NUM_RUNS },
    );
  });

  // `spares`: a leaf emptied is parked and reused when its path comes back; it must be bounded exactly as a new one
  // (size, policy, drops reported with its path). 1 and 2 spares make parked branches go again all the time.
  it('should hold the same with spare branches kept for reuse (spares 1, 2, 1,000)', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 3 }),
        fc.array(cmdArb, { maxLength: 80, size: 'max' }),
        fc.constantFrom(1, 2, 1000),
        runCommands,
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
