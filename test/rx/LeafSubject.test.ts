import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject, config, type Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualProjection as manual } from '../support/manualProjection.js';
import { LeafSubject, fairMergeMap, roundRobin, type Dropped } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
  config.useDeprecatedSynchronousErrorHandling = false;
});

/** A cloud of two hosts, two leaves each, over subjects made by `make`; returns what concurrency 1 dispatched. */
function dispatchOrder(make: () => Subject<string>): string[] {
  const leaves = Array.from({ length: 4 }, make);
  const tree = roundRobin({
    h1: roundRobin({ heal: leaves[0] as Observable<string>, scale: leaves[1] as Observable<string> }),
    h2: roundRobin({ heal: leaves[2] as Observable<string>, scale: leaves[3] as Observable<string> }),
  });
  const out: string[] = [];
  const running: Subject<void>[] = [];
  tree
    .pipe(
      fairMergeMap((e: string) => {
        out.push(e);
        const done = new Subject<void>();
        running.push(done);
        return done;
      }, 1),
    )
    .subscribe();
  for (let i = 0; i < 3; i++) for (const [n, leaf] of leaves.entries()) leaf.next(`leaf${n}-${i}`);
  while (running.length > 0) (running.shift() as Subject<void>).complete();
  return out;
}

describe('LeafSubject', () => {
  it('should be a Subject', () => {
    expect(new LeafSubject()).toBeInstanceOf(Subject);
  });

  it('should feed a roundRobin tree exactly as a Subject does', () => {
    const order = dispatchOrder(() => new LeafSubject<string>());
    expect(order).toHaveLength(12);
    expect(order).toEqual(dispatchOrder(() => new Subject<string>()));
  });

  it('should stop feeding a leaf once it is deleted, and feed the one added in its place', () => {
    const heal = new LeafSubject<string>();
    const node = roundRobin<string>({ heal });
    const m = manual();
    let completed = false;
    node.pipe(fairMergeMap(m.project, 1)).subscribe({ complete: () => (completed = true) });
    heal.next('a'); // runs
    heal.next('b'); // queued
    expect(node.delete('heal')).toEqual(['b']);
    expect(heal.observed).toBe(false);
    heal.next('lost'); // nobody subscribed: a Subject drops it too
    expect(node.size).toBe(0);
    node.add('heal', heal);
    heal.next('c');
    m.finish('a', 'c');
    expect(m.started).toEqual(['a', 'c']);
    heal.complete();
    expect(completed).toBe(true); // nothing left counted as queued
  });

  it('should reach nothing once the output is unsubscribed', () => {
    const heal = new LeafSubject<string>();
    const node = roundRobin<string>({ heal });
    const m = manual();
    const sub = node.pipe(fairMergeMap(m.project, 1)).subscribe();
    heal.next('a');
    heal.next('b');
    sub.unsubscribe();
    heal.next('c');
    expect(node.size).toBe(0);
    expect(m.started).toEqual(['a']);
  });

  it("should meet a bounded leaf's bound", () => {
    const heal = new LeafSubject<string>();
    const reports: Dropped<string>[] = [];
    const node = roundRobin<string>(
      { heal },
      { bounds: { heal: { size: 1, overflow: 'drop-oldest', dropped: (d) => reports.push(d) } } },
    );
    const m = manual();
    node.pipe(fairMergeMap(m.project, 1)).subscribe();
    for (const v of ['w', 'a', 'b']) heal.next(v);
    expect(reports).toEqual([{ event: 'a', reason: 'drop-oldest', path: ['heal'] }]);
    m.finish('w', 'b');
    expect(m.started).toEqual(['w', 'b']);
  });

  it("should hand a value straight to its only subscriber, and use Subject's next otherwise", () => {
    const next = vi.spyOn(Subject.prototype, 'next');
    const subject = new LeafSubject<number>();
    const seen: number[] = [];
    subject.subscribe((v) => seen.push(v));
    subject.next(1);
    expect(next).not.toHaveBeenCalled();
    subject.subscribe((v) => seen.push(-v));
    subject.next(2);
    expect(next).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([1, 2, -2]);
  });

  it("should use Subject's next under RxJS's deprecated synchronous error handling", () => {
    config.useDeprecatedSynchronousErrorHandling = true;
    const next = vi.spyOn(Subject.prototype, 'next');
    const subject = new LeafSubject<number>();
    subject.subscribe(() => {});
    subject.next(1);
    expect(next).toHaveBeenCalledTimes(1);
  });
});

describe('LeafSubject memory', () => {
  // `gc` without a flag on the command line: V8 exposes it to contexts created after the flag is set.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  /** Whether what `ref` points to is collected once nothing else holds it (a WeakRef holds until the job ends). */
  async function collected(ref: WeakRef<object>): Promise<boolean> {
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    return ref.deref() === undefined;
  }

  it.each([
    ['Subject', () => new Subject<number>()],
    ['LeafSubject', () => new LeafSubject<number>()],
  ])('should let go of a subscriber that unsubscribed (%s)', async (_, make) => {
    const subject = make();
    const ref = ((): WeakRef<object> => {
      const subscription = subject.subscribe(() => {});
      subject.next(1); // a LeafSubject now holds its only subscriber
      subscription.unsubscribe();
      return new WeakRef(subscription);
    })();
    expect(await collected(ref)).toBe(true);
    subject.next(2); // the subject lives on
  });

  it('should let go of its subscriber once completed', async () => {
    const subject = new LeafSubject<number>();
    const ref = ((): WeakRef<object> => {
      const subscription = subject.subscribe(() => {});
      subject.next(1);
      return new WeakRef(subscription);
    })();
    subject.complete();
    expect(await collected(ref)).toBe(true);
  });
});
