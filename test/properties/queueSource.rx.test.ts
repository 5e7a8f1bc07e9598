import fc from 'fast-check';
import { Subject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  FifoQueue,
  LeafSubject,
  QueueSource,
  RoundRobinQueue,
  fairMergeMap,
  roundRobin,
  type RoundRobin,
} from '../../src/index.js';

// A tree of core nodes dispatched through a QueueSource must dispatch as the same tree of roundRobin nodes over
// LeafSubject leaves does: the same commands, run on each, must start the same events in the same order.
const HOSTS = ['h0', 'h1', 'h2'] as const;
const LEAVES = ['l0', 'l1'] as const;
type Host = (typeof HOSTS)[number];

type Cmd =
  | { readonly t: 'push'; readonly host: Host; readonly leaf: number }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'pause' | 'resume' | 'replace'; readonly host: Host }
  | { readonly t: 'cap'; readonly host: Host; readonly cap: number };

const hostArb = fc.constantFrom(...HOSTS);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('push' as const), host: hostArb, leaf: fc.nat(1) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('finish' as const), which: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), host: hostArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resume' as const), host: hostArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('replace' as const), host: hostArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('cap' as const), host: hostArb, cap: fc.constantFrom(1, 2, Infinity) }),
  },
);

/** One side of the comparison: how it queues, reshapes and caps its tree. */
interface Side {
  readonly output: Observable<number>;
  push(host: Host, leaf: number, value: number): void;
  pause(host: Host): void;
  resume(host: Host): void;
  /** Deletes the host's branch (returning what it queued) and adds a fresh, empty one under the same key. */
  replace(host: Host): number[];
  cap(host: Host, cap: number): void;
}

function coreSide(): Side {
  const root = new RoundRobinQueue<number>();
  const source = new QueueSource(root);
  const leaves = new Map<Host, FifoQueue<number>[]>();
  const branch = (host: Host) => {
    const node = new RoundRobinQueue<number>();
    const own = LEAVES.map((key) => {
      const leaf = new FifoQueue<number>();
      node.add(key, leaf);
      return leaf;
    });
    leaves.set(host, own);
    source.add(root, host, node);
  };
  for (const host of HOSTS) branch(host);
  return {
    output: source,
    push: (host, leaf, value) => source.push(leaves.get(host)?.[leaf] as FifoQueue<number>, value),
    pause: (host) => source.pause(root, host),
    resume: (host) => source.resume(root, host),
    replace: (host) => {
      const handedBack = source.delete(root, host);
      branch(host);
      return handedBack;
    },
    cap: (host, cap) => source.setCap(root.get(host) as RoundRobinQueue<number>, cap),
  };
}

function rxSide(): Side {
  const root: RoundRobin<number> = roundRobin<number>();
  const leaves = new Map<Host, LeafSubject<number>[]>();
  const branch = (host: Host) => {
    const own = LEAVES.map(() => new LeafSubject<number>());
    leaves.set(host, own);
    root.add(host, roundRobin<number>(Object.fromEntries(LEAVES.map((key, i) => [key, own[i] as Subject<number>]))));
  };
  for (const host of HOSTS) branch(host);
  // A cap from the start, never reached: a roundRobin tree counts its running events only once it has a cap, and a
  // QueueSource counts them always, so that a cap set later holds against the events already running.
  root.setCap(1000);
  return {
    output: root,
    push: (host, leaf, value) => leaves.get(host)?.[leaf]?.next(value),
    pause: (host) => root.pause(host),
    resume: (host) => root.resume(host),
    replace: (host) => {
      const handedBack = root.delete(host);
      branch(host);
      return handedBack;
    },
    cap: (host, cap) => root.setCap(host, cap),
  };
}

/** Runs the commands against a side under concurrency 2; returns what started, and what each delete handed back. */
function run(side: Side, cmds: readonly Cmd[]): string[] {
  const log: string[] = [];
  const running: Subject<number>[] = [];
  const subscription = side.output
    .pipe(
      fairMergeMap((value: number) => {
        log.push(`start ${value}`);
        const projection = new Subject<number>();
        running.push(projection);
        return projection;
      }, 2),
    )
    .subscribe({ error: (err) => log.push(`error ${String(err)}`) });
  let next = 0;
  for (const cmd of cmds) {
    if (cmd.t === 'push') side.push(cmd.host, cmd.leaf, next++);
    else if (cmd.t === 'finish') running.splice(cmd.which % Math.max(1, running.length), 1)[0]?.complete();
    else if (cmd.t === 'replace') log.push(`handed back ${side.replace(cmd.host).join(',')}`);
    else if (cmd.t === 'cap') side.cap(cmd.host, cmd.cap);
    else side[cmd.t](cmd.host);
  }
  subscription.unsubscribe();
  return log;
}

describe('QueueSource (property)', () => {
  it('dispatches as the same tree of roundRobin nodes over LeafSubject leaves does', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 60 }), (cmds) => {
        expect(run(coreSide(), cmds)).toEqual(run(rxSide(), cmds));
      }),
      { numRuns: 1000 },
    );
  });
});
