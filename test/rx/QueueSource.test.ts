import { Subject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BoundedFifoQueue,
  FairStats,
  FifoQueue,
  PriorityQueue,
  QueueSource,
  RateLimit,
  RoundRobinQueue,
  fairMergeMap,
  type FairSnapshot,
} from '../../src/index.js';

/** Projections the test completes by hand, oldest first. */
function manual<T>(): { project: (v: T) => Observable<T>; started: T[]; finish: () => void } {
  const running: Subject<T>[] = [];
  const started: T[] = [];
  return {
    project: (v) => {
      started.push(v);
      const s = new Subject<T>();
      running.push(s);
      return s;
    },
    started,
    finish: () => running.shift()?.complete(),
  };
}

describe('QueueSource', () => {
  it('should refuse a root that is not a branch, or that has a parent', () => {
    expect(() => new QueueSource(new FifoQueue() as never)).toThrow(TypeError);
    const root = new RoundRobinQueue<number>();
    const child = new RoundRobinQueue<number>();
    root.add('a', child);
    expect(() => new QueueSource(child)).toThrow(/child of another/);
  });

  it('should refuse a leaf outside its tree and queue nothing', () => {
    const source = new QueueSource(new RoundRobinQueue<number>());
    const stray = new FifoQueue<number>();
    expect(() => source.push(stray, 1)).toThrow(/not in this source's tree/);
    expect(() => source.push(new RoundRobinQueue<number>() as never, 1)).toThrow(TypeError);
    expect([stray.size, source.queued]).toEqual([0, 0]);
  });

  it('should count what it queues and hands back, a replaced event not twice', () => {
    const root = new RoundRobinQueue<number>();
    const source = new QueueSource(root);
    const dropped: number[] = [];
    const latest = new BoundedFifoQueue<number>({ size: 1, overflow: 'latest', onDrop: (e) => dropped.push(e) });
    const plain = new FifoQueue<number>();
    const vm = new RoundRobinQueue<number>();
    vm.add('state', latest).add('heal', plain);
    root.add('vm', vm);
    source.push(latest, 1);
    source.push(latest, 2); // replaces 1
    source.push(plain, 3);
    expect([source.queued, dropped]).toEqual([2, [1]]);
    expect(source.delete(vm, 'heal')).toEqual([3]);
    expect(source.queued).toBe(1);
    expect(source.delete(root, 'vm')).toEqual([2]);
    expect(source.queued).toBe(0);
  });

  it('should pull what was queued before its subscription, then what arrives, under the concurrency', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const h1 = new FifoQueue<string>();
    root.add('h1', h1);
    source.push(h1, 'a');
    source.push(h1, 'b');
    const { project, started, finish } = manual<string>();
    const sub = source.pipe(fairMergeMap(project, 1)).subscribe();
    expect(started).toEqual(['a']);
    source.push(h1, 'c');
    finish();
    expect(started).toEqual(['a', 'b']);
    sub.unsubscribe();
  });

  it('should feed one subscription at a time, and the next one what is left', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const leaf = new FifoQueue<string>();
    root.add('k', leaf);
    const first = manual<string>();
    const sub = source.pipe(fairMergeMap(first.project, 1)).subscribe();
    let error: unknown;
    source.pipe(fairMergeMap(first.project, 1)).subscribe({ error: (e) => (error = e) });
    expect(String(error)).toMatch(/one subscription at a time/);
    source.push(leaf, 'a');
    source.push(leaf, 'b');
    sub.unsubscribe();
    const second = manual<string>();
    source.pipe(fairMergeMap(second.project, 1)).subscribe();
    expect([first.started, second.started]).toEqual([['a'], ['b']]);
  });

  it('should complete once ended, drained and done', () => {
    const root = new RoundRobinQueue<number>();
    const source = new QueueSource(root);
    const leaf = new FifoQueue<number>();
    root.add('k', leaf);
    source.push(leaf, 1);
    const { project, finish } = manual<number>();
    let completed = false;
    source.pipe(fairMergeMap(project, 1)).subscribe({ complete: () => (completed = true) });
    source.complete();
    expect(completed).toBe(false);
    finish();
    expect(completed).toBe(true);
  });

  it('should free the caps above a deleted branch whose events still run', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const host = new RoundRobinQueue<string>().setCap(1);
    const vm1 = new FifoQueue<string>();
    const vm2 = new FifoQueue<string>();
    host.add('vm1', vm1).add('vm2', vm2);
    root.add('h', host);
    source.push(vm1, 'a');
    source.push(vm2, 'x');
    const { project, started } = manual<string>();
    source.pipe(fairMergeMap(project, 4)).subscribe();
    expect(started).toEqual(['a']); // the host's cap
    source.delete(host, 'vm1'); // a still runs, but no longer below the host
    expect(started).toEqual(['a', 'x']);
  });

  it('should hold a cap set while events run against those events, and pull at once when it is raised', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const leaf = new FifoQueue<string>();
    source.add(root, 'k', leaf);
    const { project, started, finish } = manual<string>();
    source.pipe(fairMergeMap(project, 4)).subscribe();
    source.push(leaf, 'a');
    source.setCap(leaf, 1); // a runs: counted from its dispatch, so b waits
    source.push(leaf, 'b');
    expect(started).toEqual(['a']);
    source.setCap(leaf, 2);
    expect(started).toEqual(['a', 'b']);
    finish();
    finish();
  });

  it('should count the events of a child added with them, and pull them; a resumed child at once', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const { project, started } = manual<string>();
    source.pipe(fairMergeMap(project, 4)).subscribe();
    const full = new FifoQueue<string>(['a', 'b']);
    expect(() => source.pause(root, 'k')).toThrow(/no such child/);
    source.add(root, 'k', full, { weight: 2 });
    expect([started, source.queued]).toEqual([['a', 'b'], 0]);
    const later = new FifoQueue<string>();
    source.add(root, 'p', later);
    source.pause(root, 'p');
    source.push(later, 'c');
    expect([started, source.queued]).toEqual([['a', 'b'], 1]);
    source.resume(root, 'p');
    expect([started, source.queued]).toEqual([['a', 'b', 'c'], 0]);
  });

  it('should serve a priority root first level first', () => {
    const urgent = new FifoQueue<string>();
    const routine = new FifoQueue<string>();
    const root = new PriorityQueue<string, number>(
      new Map([
        [0, urgent],
        [1, routine],
      ]),
    );
    const source = new QueueSource(root);
    source.push(routine, 'r');
    source.push(urgent, 'u');
    const { project, started } = manual<string>();
    source.pipe(fairMergeMap(project, 1)).subscribe();
    expect(started).toEqual(['u']);
  });

  it('should take a rate only while a subscription is live', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const leaf = new FifoQueue<string>();
    root.add('k', leaf);
    expect(() => source.setRate(leaf, new RateLimit({ limit: 1, interval: 1000 }))).toThrow(/live subscription/);
    const sub = source.pipe(fairMergeMap(manual<string>().project, 4)).subscribe();
    source.setRate(leaf, new RateLimit({ limit: 1, interval: 60_000 }));
    source.push(leaf, 'a');
    source.push(leaf, 'b');
    expect(source.queued).toBe(1); // b waits for a token
    source.setRate(leaf, undefined);
    expect(source.queued).toBe(0);
    sub.unsubscribe();
  });

  it('should show its keys to live stats', () => {
    const root = new RoundRobinQueue<string>();
    const source = new QueueSource(root);
    const h1 = new FifoQueue<string>();
    const h2 = new FifoQueue<string>();
    root.add('h1', h1).add('h2', h2);
    const stats = new FairStats<string>({ now: () => 0 });
    const tick = new Subject<void>();
    let last: FairSnapshot | undefined;
    stats.snapshots(tick).subscribe((s) => (last = s));
    source.pipe(fairMergeMap(manual<string>().project, { concurrency: 1, stats })).subscribe();
    source.push(h1, 'a');
    source.push(h2, 'x');
    tick.next();
    const byKey = Object.fromEntries((last?.keys ?? []).map((k) => [k.key, [k.dispatched, k.queued, k.active]]));
    expect(byKey).toEqual({ h1: [1, 0, 1], h2: [0, 1, 0] });
  });
});
