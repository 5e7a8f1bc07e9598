import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Observable, Subject } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualProjection } from '../support/manualProjection.js';

// The package ships two builds, each with its own classes: values of one must work with the other (a library that
// `require`s rxjs-fair, an application that imports it), or fail loudly.

type Lib = typeof import('../../src/index.js');

const root = fileURLToPath(new URL('../..', import.meta.url));
const esmFile = join(root, 'dist', 'index.js');
const cjsFile = join(root, 'dist', 'index.cjs');

let esm: Lib;
let cjs: Lib;

// dist/ is built (or rebuilt when stale) by the unit tests' global setup, test/support/buildLibrary.ts.
beforeAll(async () => {
  esm = (await import(/* @vite-ignore */ pathToFileURL(esmFile).href)) as Lib;
  cjs = createRequire(import.meta.url)(cjsFile) as Lib;
});

/** Leaf `a` gets a..f, then leaf `x` gets x; concurrency 1, each projection completed by hand in dispatch order. */
function dispatchOrder(tree: Lib, operator: Lib): string {
  const a = new Subject<string>();
  const x = new Subject<string>();
  const node = tree.roundRobin({ a, x });
  const { project, started, finish } = manualProjection();
  const done: string[] = [];
  node.pipe(operator.fairMergeMap(project, 1)).subscribe({ complete: () => done.push('complete') });
  for (const v of 'abcdef') a.next(v);
  x.next('x');
  a.complete();
  x.complete();
  for (let i = 0; i < 7; i++) finish(started[i] as string);
  expect(done).toEqual(['complete']);
  return started.join('');
}

describe('the ESM and CJS builds together', () => {
  it('should be two copies, each with its own classes', () => {
    expect(esm.RoundRobin).not.toBe(cjs.RoundRobin);
    expect(cjs.roundRobin()).not.toBeInstanceOf(esm.RoundRobin);
  });

  it('should dispatch in round-robin order a tree of either build piped into fairMergeMap of the other', () => {
    expect(dispatchOrder(esm, esm)).toBe('abxcdef');
    expect(dispatchOrder(cjs, esm)).toBe('abxcdef');
    expect(dispatchOrder(esm, cjs)).toBe('abxcdef');
  });

  it('should keep caps, weights and pauses of a tree of the other build', () => {
    const run = (tree: Lib, operator: Lib): string[] => {
      const [a, b, y] = [new Subject<string>(), new Subject<string>(), new Subject<string>()];
      const node = tree.roundRobin({ a, inner: tree.roundRobin({ b, y }) }, { weights: { a: 2 }, caps: { inner: 1 } });
      const { project, started, finish } = manualProjection();
      node.pipe(operator.fairMergeMap(project, 2)).subscribe();
      node.pause('a');
      for (const v of ['a1', 'a2', 'a3']) a.next(v);
      for (const v of ['b1', 'b2']) b.next(v);
      y.next('y1');
      const steps = [started.join(' ')]; // `inner` at its cap, `a` paused
      node.resume('a');
      steps.push(started.join(' '));
      finish('b1', 'a1');
      steps.push(started.join(' '));
      return steps;
    };
    const expected = ['b1', 'b1 a1', 'b1 a1 a2 b2'];
    expect(run(esm, esm)).toEqual(expected);
    expect(run(cjs, esm)).toEqual(expected);
    expect(run(esm, cjs)).toEqual(expected);
  });

  it('should report a tree of the other build in a FairStats of either build', () => {
    for (const Stats of [esm.FairStats, cjs.FairStats]) {
      const a = new Subject<string>();
      const x = new Subject<string>();
      const stats = new Stats<string>();
      const notifier = new Subject<void>();
      const snapshots: { keys: readonly { key: unknown; queued: number }[] }[] = [];
      stats.snapshots(notifier).subscribe((s) => snapshots.push(s));
      const { project } = manualProjection();
      cjs
        .roundRobin({ a, x })
        .pipe(esm.fairMergeMap(project, { concurrency: 1, stats }))
        .subscribe();
      for (const v of 'abc') a.next(v);
      x.next('x');
      notifier.next();
      expect(snapshots[0]?.keys.map(({ key, queued }) => [key, queued])).toEqual([
        ['a', 2],
        ['x', 1],
      ]);
    }
  });

  it('should refuse a node of the other build as a child, at the call', () => {
    const foreign = cjs.roundRobin({ a: new Subject<string>() });
    const message =
      /^The node given at key "b" was built by another copy of rxjs-fair \(its ESM and CJS builds, or two installs\)/;
    expect(() => esm.roundRobin({ b: foreign })).toThrow(TypeError);
    expect(() => esm.roundRobin({ b: foreign })).toThrow(message);
    expect(() => esm.roundRobin<string>().add('b', foreign)).toThrow(message);
    expect(() => cjs.roundRobin({ b: esm.roundRobin() })).toThrow(message);
    // Nothing was added by the failed call.
    const node = esm.roundRobin<string>();
    expect(() => node.add('b', foreign)).toThrow(TypeError);
    expect([...node.keys()]).toEqual([]);
  });

  it('should refuse a queue of the other build in a RoundRobinQueue, at the call', () => {
    expect(() => new esm.RoundRobinQueue({ a: new cjs.FifoQueue() })).toThrow(
      /^The queue given at key "a" was built by another copy of rxjs-fair/,
    );
    expect(() => new cjs.RoundRobinQueue<string>().add('a', new esm.RoundRobinQueue())).toThrow(TypeError);
  });

  it('should error the output for a node of an incompatible version, and refuse it as a child', () => {
    const other = new Observable<string>((subscriber) => subscriber.next('a'));
    Object.defineProperty(other, Symbol.for('rxjs-fair/roundRobin@0'), { value: () => undefined });
    const errors: unknown[] = [];
    const values: string[] = [];
    other
      .pipe(esm.fairMergeMap((v: string) => [v], 1))
      .subscribe({ next: (v) => values.push(v), error: (e) => errors.push(e) });
    expect(values).toEqual([]);
    expect(errors).toEqual([
      new TypeError(
        'Cannot pull from a roundRobin node built by an incompatible version of rxjs-fair: pipe it into the fairMergeMap of the copy that built it',
      ),
    ]);
    expect(() => esm.roundRobin({ b: other })).toThrow(
      /^The node given at key "b" was built by another copy of rxjs-fair/,
    );
  });

  it('should refuse a FairStats of an incompatible version, and anything else as stats', () => {
    const other = { [Symbol.for('rxjs-fair/FairStats@0')]: true };
    expect(() => esm.fairMergeMap((v: string) => [v], { stats: other as never })).toThrow(
      new TypeError(
        'Expected `stats` to be a FairStats of a compatible copy of rxjs-fair: this one was built by an incompatible version',
      ),
    );
    expect(() => esm.fairMergeMap((v: string) => [v], { stats: {} as never })).toThrow(
      new TypeError('Expected `stats` to be a FairStats, got [object Object]'),
    );
  });
});
