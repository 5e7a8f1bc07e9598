import { EMPTY, Observable, Subject, map, of, take, throwError } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FifoQueue, RoundRobin, fairMergeMap, roundRobin } from '../../src/index.js';
import { Gates } from '../support/Gates.js';
import { record } from '../support/record.js';
import { runMarbles } from '../support/marbles.js';
import { SEED_ORDER } from '../support/seedOrder.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function subjects<K extends string>(...keys: K[]): Record<K, Subject<string>> {
  const out = {} as Record<K, Subject<string>>;
  for (const k of keys) out[k] = new Subject<string>();
  return out;
}

/** The seed's cloud over Subjects: compute1..3, each with vm1 and vm2. */
function seedCloud(): {
  cloud: RoundRobin<string>;
  leaf: (h: number, v: number) => Subject<string>;
  hosts: RoundRobin<string>[];
} {
  const leaves = new Map<string, Subject<string>>();
  const hosts: RoundRobin<string>[] = [];
  const children: Record<string, RoundRobin<string>> = {};
  for (let h = 1; h <= 3; h++) {
    const vm1 = new Subject<string>();
    const vm2 = new Subject<string>();
    leaves.set(`${h}-1`, vm1);
    leaves.set(`${h}-2`, vm2);
    const host = roundRobin({ vm1, vm2 });
    hosts.push(host);
    children[`compute${h}`] = host;
  }
  return { cloud: roundRobin(children), leaf: (h, v) => leaves.get(`${h}-${v}`) as Subject<string>, hosts };
}

function pushSeedEvents(leaf: (h: number, v: number) => Subject<string>): void {
  for (let h = 1; h <= 3; h++)
    for (let v = 1; v <= 2; v++) for (let i = 0; i < 2; i++) leaf(h, v).next(`compute${h}-vm${v}-${i}`);
}

describe('roundRobin', () => {
  it('should return a RoundRobin, an Observable', () => {
    const node = roundRobin({ a: new Subject<string>() });
    expect(node).toBeInstanceOf(RoundRobin);
    expect(node).toBeInstanceOf(Observable);
  });

  it('should list keys in the given order, for a Record or a Map', () => {
    const { a, b, c } = subjects('a', 'b', 'c');
    expect([...roundRobin({ c, a, b }).keys()]).toEqual(['c', 'a', 'b']);
    const k1 = { id: 1 };
    const k2 = { id: 2 };
    const node = roundRobin(
      new Map([
        [k2, a],
        [k1, b],
      ]),
    );
    expect([...node.keys()]).toEqual([k2, k1]);
    expect(node.has(k1)).toBe(true);
    expect(node.has({ id: 1 })).toBe(false);
  });

  it('should stay open with no children, and take children added later', () => {
    const node = roundRobin<string>();
    const r = record(node);
    expect(r.completed).toBe(false);
    const a = new Subject<string>();
    node.add('a', a);
    a.next('a1');
    a.complete();
    expect(r.values).toEqual(['a1']);
    expect(r.completed).toBe(true);
  });

  describe('semantic 1: per-leaf FIFO', () => {
    it('should emit the events of one leaf in arrival order when subscribed directly', () => {
      const { a } = subjects('a');
      const r = record(roundRobin({ a }));
      for (let i = 0; i < 5; i++) a.next(`a${i}`);
      expect(r.values).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    });

    it('should dispatch a backlog of one leaf in arrival order', () => {
      const { a, b } = subjects('a', 'b');
      const gates = new Gates<string>();
      const r = record(roundRobin({ a, b }).pipe(fairMergeMap(gates.project, 1)));
      for (let i = 0; i < 4; i++) a.next(`a${i}`);
      for (let i = 0; i < 4; i++) gates.finish(`a${i}`);
      expect(gates.started).toEqual(['a0', 'a1', 'a2', 'a3']);
      expect(r.values).toEqual(['a0', 'a1', 'a2', 'a3']);
    });
  });

  describe('semantic 2: rotation', () => {
    it('should serve the front child one event and move it to the back while it holds events', () => {
      const { a, b, c } = subjects('a', 'b', 'c');
      const gates = new Gates<string>();
      record(roundRobin({ a, b, c }).pipe(fairMergeMap(gates.project, 1)));
      a.next('a1'); // dispatched at once; a is empty again
      a.next('a2'); // a joins the rotation
      a.next('a3');
      b.next('b1'); // b joins behind a
      b.next('b2');
      c.next('c1'); // c joins behind b
      expect(gates.started).toEqual(['a1']);
      for (const x of ['a1', 'a2', 'b1', 'c1', 'a3']) gates.finish(x);
      expect(gates.started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
    });

    it('should put a child that receives its first event at the back, not in key order', () => {
      const { a, b, c } = subjects('a', 'b', 'c');
      const gates = new Gates<string>();
      record(roundRobin({ a, b, c }).pipe(fairMergeMap(gates.project, 1)));
      b.next('b0'); // dispatched at once
      c.next('c1');
      a.next('a1');
      b.next('b1');
      c.next('c2');
      for (const x of ['b0', 'c1', 'a1', 'b1']) gates.finish(x);
      expect(gates.started).toEqual(['b0', 'c1', 'a1', 'b1', 'c2']);
    });

    it('should keep the given order for children that emit synchronously on subscription', () => {
      const gates = new Gates<string>();
      const node = roundRobin({ c: of('c1', 'c2'), a: of('a1', 'a2'), b: of('b1', 'b2') });
      const r = record(node.pipe(fairMergeMap(gates.project, 1)));
      for (const x of ['c1', 'c2', 'a1', 'b1', 'a2']) gates.finish(x);
      expect(gates.started).toEqual(['c1', 'c2', 'a1', 'b1', 'a2', 'b2']);
      gates.finish('b2');
      expect(r.completed).toBe(true);
    });

    it('should not let empty children cost a turn', () => {
      const children: Record<string, Subject<string>> = {};
      for (let i = 0; i < 500; i++) children[`idle${i}`] = new Subject<string>();
      const x = new Subject<string>();
      const y = new Subject<string>();
      children['x'] = x;
      children['y'] = y;
      const gates = new Gates<string>();
      record(roundRobin(children).pipe(fairMergeMap(gates.project, 1)));
      y.next('y0');
      x.next('x1');
      x.next('x2');
      y.next('y1');
      for (const v of ['y0', 'x1', 'y1']) gates.finish(v);
      expect(gates.started).toEqual(['y0', 'x1', 'y1', 'x2']);
    });
  });

  describe('semantic 3: nested', () => {
    it("should dispatch in the seed's host order (paused root child, then resume)", () => {
      const { cloud, leaf } = seedCloud();
      const root = roundRobin({ cloud });
      root.pause('cloud');
      const r = record(root.pipe(fairMergeMap((x) => of(x), 1)));
      pushSeedEvents(leaf);
      expect(r.values).toEqual([]);
      expect(root.size).toBe(12);
      root.resume('cloud');
      expect(r.values).toEqual(SEED_ORDER);
      expect(root.size).toBe(0);
    });

    it("should dispatch in the seed's host order (concurrency 1, a first projection that blocks)", () => {
      const { cloud, leaf } = seedCloud();
      let release: () => void = () => {};
      const project = (x: string, index: number): Observable<string> =>
        index === 0 ? new Observable<string>((s) => void (release = () => s.complete())) : of(x);
      const r = record(cloud.pipe(fairMergeMap(project, 1)));
      leaf(1, 1).next('start'); // takes the only slot
      pushSeedEvents(leaf);
      expect(r.values).toEqual([]);
      release();
      expect(r.values).toEqual(SEED_ORDER);
    });

    it('should let a child node serve its own rotation when its turn comes', () => {
      const { vm1, vm2 } = subjects('vm1', 'vm2');
      const { other } = subjects('other');
      const host = roundRobin({ vm1, vm2 });
      const gates = new Gates<string>();
      record(roundRobin({ host, other }).pipe(fairMergeMap(gates.project, 1)));
      other.next('o0');
      vm1.next('v1a');
      vm1.next('v1b');
      vm2.next('v2a');
      other.next('o1');
      other.next('o2');
      for (const x of ['o0', 'v1a', 'o1', 'v2a', 'o2']) gates.finish(x);
      expect(gates.started).toEqual(['o0', 'v1a', 'o1', 'v2a', 'o2', 'v1b']);
    });
  });

  describe('semantic 4: cost', () => {
    it('should drain a large backlog without Array.prototype.shift', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      let release: () => void = () => {};
      const out: string[] = [];
      node
        .pipe(
          fairMergeMap(
            (x, i) => (i === 0 ? new Observable<string>((s) => void (release = () => s.complete())) : of(x)),
            1,
          ),
        )
        .subscribe((x) => out.push(x));
      a.next('first');
      for (let i = 0; i < 50_000; i++) {
        a.next(`a${i}`);
        b.next(`b${i}`);
      }
      expect(node.size).toBe(100_000);
      const shift = vi.spyOn(Array.prototype, 'shift');
      release();
      const called = shift.mock.calls.length;
      shift.mockRestore();
      expect(called).toBe(0);
      expect(out.length).toBe(100_000);
      expect(out.slice(0, 4)).toEqual(['a0', 'b0', 'a1', 'b1']);
      expect(out.every((x, i) => x === `${i % 2 === 0 ? 'a' : 'b'}${Math.floor(i / 2)}`)).toBe(true);
    });

    it('should not look at idle leaves when picking', () => {
      const children: Record<string, Subject<number>> = {};
      for (let i = 0; i < 1000; i++) children[`idle${i}`] = new Subject<number>();
      const busy = new Subject<number>();
      children['busy'] = busy;
      const node = roundRobin(children);
      let release: () => void = () => {};
      const out: number[] = [];
      node
        .pipe(
          fairMergeMap(
            (x, i) => (i === 0 ? new Observable<number>((s) => void (release = () => s.complete())) : of(x)),
            1,
          ),
        )
        .subscribe((x) => out.push(x));
      for (let i = 0; i <= 10; i++) busy.next(i);
      const ready = vi.spyOn(FifoQueue.prototype, 'ready', 'get');
      release();
      const calls = ready.mock.calls.length;
      ready.mockRestore();
      expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(calls).toBeLessThan(100); // a scan would ask the 1000 idle leaves
    });
  });

  describe('semantic 5: back-pressure', () => {
    it('should emit each event as it arrives when subscribed directly', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      const r = record(node);
      a.next('a1');
      expect(r.values).toEqual(['a1']);
      a.next('a2');
      b.next('b1');
      a.next('a3');
      expect(r.values).toEqual(['a1', 'a2', 'b1', 'a3']);
      expect(node.size).toBe(0);
    });

    it('should keep at most `concurrency` projections active and pick the next only when a slot frees', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      const gates = new Gates<string>();
      const r = record(node.pipe(fairMergeMap(gates.project, 2)));
      a.next('a1');
      a.next('a2');
      expect(gates.started).toEqual(['a1', 'a2']);
      a.next('a3');
      b.next('b1');
      b.next('b2');
      expect(gates.started).toEqual(['a1', 'a2']);
      expect(gates.active).toBe(2);
      expect(node.size).toBe(3); // the backlog waits in the leaves
      gates.finish('a2');
      expect(gates.started).toEqual(['a1', 'a2', 'a3']);
      expect(node.size).toBe(2);
      gates.finish('a1');
      expect(gates.started).toEqual(['a1', 'a2', 'a3', 'b1']);
      gates.finish('b1');
      gates.finish('a3');
      expect(gates.started).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
      gates.finish('b2');
      expect(gates.max).toBe(2);
      expect(r.values).toEqual(['a2', 'a1', 'b1', 'a3', 'b2']);
    });

    it('should count events queued below a subscribed node and below each child node', () => {
      const { cloud, leaf, hosts } = seedCloud();
      expect(cloud.size).toBe(0);
      const gates = new Gates<string>();
      record(cloud.pipe(fairMergeMap(gates.project, 1)));
      leaf(1, 1).next('x'); // dispatched
      leaf(1, 1).next('y');
      leaf(2, 2).next('z');
      expect(cloud.size).toBe(2);
      expect(hosts[0]?.size).toBe(1);
      expect(hosts[1]?.size).toBe(1);
      expect(hosts[2]?.size).toBe(0);
    });
  });

  describe('semantic 6: availability', () => {
    it('should keep the events of a paused child and skip it until resume', () => {
      const { a, b, c } = subjects('a', 'b', 'c');
      const node = roundRobin({ a, b, c });
      const gates = new Gates<string>();
      const r = record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1');
      a.next('a2');
      b.next('b1');
      b.next('b2');
      c.next('c1');
      expect(node.pause('b')).toBe(node);
      expect(node.isPaused('b')).toBe(true);
      gates.finish('a1');
      gates.finish('a2');
      gates.finish('c1');
      expect(gates.started).toEqual(['a1', 'a2', 'c1']);
      expect(node.size).toBe(2);
      a.complete();
      b.complete();
      c.complete();
      expect(r.completed).toBe(false); // paused events keep the output open
      expect(node.resume('b')).toBe(node);
      expect(node.isPaused('b')).toBe(false);
      expect(gates.started).toEqual(['a1', 'a2', 'c1', 'b1']);
      gates.finish('b1');
      gates.finish('b2');
      expect(r.values).toEqual(['a1', 'a2', 'c1', 'b1', 'b2']);
      expect(r.completed).toBe(true);
    });

    it('should put a resumed child at the back of the rotation', () => {
      const { a, b, c } = subjects('a', 'b', 'c');
      const node = roundRobin({ a, b, c });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1'); // dispatched
      a.next('a2');
      a.next('a3');
      b.next('b1');
      c.next('c1');
      c.next('c2');
      node.pause('a'); // rotation: b, c
      gates.finish('a1'); // b1; rotation: c
      node.resume('a'); // rotation: c, a
      for (const x of ['b1', 'c1', 'a2', 'c2']) gates.finish(x);
      expect(gates.started).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    });

    it('should hold a paused child in a direct subscription and emit its events on resume', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      node.pause('a'); // before subscribing: applies to the subscription
      expect(node.isPaused('a')).toBe(true);
      const r = record(node);
      a.next('a1');
      a.next('a2');
      b.next('b1');
      expect(r.values).toEqual(['b1']);
      expect(node.size).toBe(2);
      node.resume('a');
      expect(r.values).toEqual(['b1', 'a1', 'a2']);
      a.next('a3');
      expect(r.values).toEqual(['b1', 'a1', 'a2', 'a3']);
    });

    it("should let a child node's own pause and resume act on the parent's subscription", () => {
      const { vm1, vm2 } = subjects('vm1', 'vm2');
      const host = roundRobin({ vm1, vm2 });
      const { other } = subjects('other');
      const cloud = roundRobin({ host, other });
      const gates = new Gates<string>();
      const r = record(cloud.pipe(fairMergeMap(gates.project, 1)));
      host.pause('vm1');
      vm1.next('v1');
      vm2.next('v2'); // dispatched
      other.next('o1');
      expect(gates.started).toEqual(['v2']);
      expect(host.size).toBe(1);
      expect(cloud.size).toBe(2);
      gates.finish('v2');
      gates.finish('o1');
      expect(gates.started).toEqual(['v2', 'o1']);
      vm1.complete();
      vm2.complete();
      other.complete();
      expect(r.completed).toBe(false);
      host.resume('vm1');
      expect(gates.started).toEqual(['v2', 'o1', 'v1']);
      gates.finish('v1');
      expect(r.completed).toBe(true);
    });

    it('should let a paused child hold events in a direct subscription of a parent too', () => {
      const { vm1, vm2 } = subjects('vm1', 'vm2');
      const host = roundRobin({ vm1, vm2 });
      const cloud = roundRobin({ host });
      const r = record(cloud);
      host.pause('vm1');
      vm1.next('x');
      vm2.next('y');
      expect(r.values).toEqual(['y']);
      host.resume('vm1');
      expect(r.values).toEqual(['y', 'x']);
    });
  });

  describe('semantic 7: nothing lost', () => {
    it('should hand back the queued events of a deleted child and unsubscribe it', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      const gates = new Gates<string>();
      const r = record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1'); // dispatched
      a.next('a2');
      a.next('a3');
      b.next('b1');
      expect(node.delete('a')).toEqual(['a2', 'a3']);
      expect(a.observed).toBe(false);
      expect(node.has('a')).toBe(false);
      expect([...node.keys()]).toEqual(['b']);
      expect(node.size).toBe(1);
      a.next('a4'); // no longer heard
      gates.finish('a1');
      gates.finish('b1');
      expect(gates.started).toEqual(['a1', 'b1']);
      b.complete();
      expect(r.values).toEqual(['a1', 'b1']);
      expect(r.completed).toBe(true);
    });

    it('should hand back paused events of a deleted nested node, in key order, each leaf oldest first', () => {
      const { vm1, vm2 } = subjects('vm1', 'vm2');
      const host = roundRobin({ vm1, vm2 });
      const { other } = subjects('other');
      const cloud = roundRobin({ host, other });
      const r = record(cloud);
      cloud.pause('host');
      vm2.next('v2a');
      vm1.next('v1a');
      vm2.next('v2b');
      other.next('o1');
      expect(r.values).toEqual(['o1']);
      expect(cloud.delete('host')).toEqual(['v1a', 'v2a', 'v2b']);
      expect(vm1.observed).toBe(false);
      expect(vm2.observed).toBe(false);
      expect(host.size).toBe(0);
      expect(cloud.size).toBe(0);
      other.complete();
      expect(r.completed).toBe(true);
      expect(r.values).toEqual(['o1']);
    });

    it('should hand back nothing and change nothing for a child deleted while unsubscribed', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      node.pause('a');
      expect(node.delete('a')).toEqual([]);
      expect([...node.keys()]).toEqual(['b']);
      // A later child under the same key is not paused.
      node.add('a', a);
      expect(node.isPaused('a')).toBe(false);
    });

    it('should complete only once every source completed, nothing is queued and every projection completed', () => {
      const { a, b } = subjects('a', 'b');
      const gates = new Gates<string>();
      const r = record(roundRobin({ a, b }).pipe(fairMergeMap(gates.project, 1)));
      a.next('a1');
      b.next('b1');
      a.complete();
      expect(r.completed).toBe(false); // b open
      b.complete();
      expect(r.completed).toBe(false); // b1 queued, a1 active
      gates.finish('a1');
      expect(r.completed).toBe(false); // b1 active
      gates.finish('b1');
      expect(r.completed).toBe(true);
      expect(r.values).toEqual(['a1', 'b1']);
    });

    it('should complete a direct subscription once all leaves completed', () => {
      const { a, b } = subjects('a', 'b');
      const r = record(roundRobin({ a, b }));
      a.next('a1');
      a.complete();
      expect(r.completed).toBe(false);
      b.next('b1');
      b.complete();
      expect(r.completed).toBe(true);
      expect(r.values).toEqual(['a1', 'b1']);
    });

    it('should complete when the last pending child is deleted', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a, b });
      const r = record(node);
      node.pause('b');
      b.next('b1');
      a.complete();
      expect(r.completed).toBe(false);
      expect(node.delete('b')).toEqual(['b1']);
      expect(r.completed).toBe(true);
      expect(r.values).toEqual([]);
    });

    it('should emit every event of leaves that complete synchronously on subscription', () => {
      const r = record(roundRobin({ a: of(1, 2), b: of(3, 4), c: EMPTY, d: of(5) }));
      expect(r.values).toEqual([1, 2, 3, 4, 5]);
      expect(r.completed).toBe(true);
    });

    it('should dispatch every event of leaves that complete synchronously, with synchronous projections', () => {
      const r = record(roundRobin({ a: EMPTY, b: of(1, 2), c: of(3) }).pipe(fairMergeMap((x) => of(x * 10), 1)));
      expect(r.values).toEqual([10, 20, 30]);
      expect(r.completed).toBe(true);
    });

    it('should error the output when a leaf errors, and unsubscribe the others', () => {
      const { a, b } = subjects('a', 'b');
      const r = record(roundRobin({ a, b }));
      const err = new Error('leaf failed');
      a.next('a1');
      a.error(err);
      expect(r.errors).toEqual([err]);
      expect(b.observed).toBe(false);
      expect(r.values).toEqual(['a1']);
    });
  });

  describe('semantic 8: unsubscribe', () => {
    it('should unsubscribe every source and cancel active projections', () => {
      const { cloud, leaf, hosts } = seedCloud();
      const gates = new Gates<string>();
      const r = record(cloud.pipe(fairMergeMap(gates.project, 2)));
      leaf(1, 1).next('x');
      leaf(2, 1).next('y');
      leaf(3, 2).next('z'); // queued
      for (let h = 1; h <= 3; h++) for (let v = 1; v <= 2; v++) expect(leaf(h, v).observed).toBe(true);
      r.subscription.unsubscribe();
      for (let h = 1; h <= 3; h++) for (let v = 1; v <= 2; v++) expect(leaf(h, v).observed).toBe(false);
      expect(gates.torn).toEqual(['x', 'y']);
      expect(gates.active).toBe(0);
      expect(cloud.size).toBe(0);
      expect(hosts[2]?.size).toBe(0);
      expect(r.completed).toBe(false);
    });

    it('should unsubscribe a synchronous leaf as soon as the consumer unsubscribes', () => {
      let emitted = 0;
      const leaf = new Observable<number>((s) => {
        for (let i = 0; i < 100_000 && !s.closed; i++) {
          emitted++;
          s.next(i);
        }
        s.complete();
      });
      const other = new Subject<number>();
      const r = record(roundRobin({ leaf, other }).pipe(take(3)));
      expect(r.values).toEqual([0, 1, 2]);
      expect(r.completed).toBe(true);
      // As with merge: the leaf sees its subscriber closed after the third event (an endless leaf would hang).
      expect(emitted).toBe(3);
      expect(other.observed).toBe(false);
    });

    it('should run the teardown of Observable children', () => {
      let torn = 0;
      const child = new Observable<string>(() => () => void torn++);
      const r = record(roundRobin({ child, other: new Subject<string>() }));
      expect(torn).toBe(0);
      r.subscription.unsubscribe();
      expect(torn).toBe(1);
    });

    it('should not subscribe a child added after unsubscribing, nor keep state of the old subscription', () => {
      const { a } = subjects('a');
      const node = roundRobin({ a });
      const r = record(node);
      r.subscription.unsubscribe();
      const b = new Subject<string>();
      node.add('b', b);
      expect(b.observed).toBe(false);
      expect(node.size).toBe(0);
      // A second subscription starts fresh.
      const r2 = record(node);
      a.next('a1');
      b.next('b1');
      expect(r2.values).toEqual(['a1', 'b1']);
      expect(r.values).toEqual([]);
    });
  });

  describe('semantic 9: virtual time', () => {
    it('should give exact frames with TestScheduler', () => {
      runMarbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a-b-c---------|');
        const scale = hot('  --x------------|');
        const inner = cold('           -----(v|)');
        const healSubs = '   ^--------------!';
        const scaleSubs = '  ^--------------!';
        const innerSubs = [
          '                  -^----!',
          '                  ------^----!',
          '                  -----------^----!',
          '                  ----------------^----!',
        ];
        const expected = '   ------a----x----b----(c|)';
        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should emit on arrival when subscribed directly', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('  -a-b---|');
        const scale = hot(' --x-y----|');
        const expected = '  -axby----|';
        expectObservable(roundRobin({ heal, scale })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe('^------!');
        expectSubscriptions(scale.subscriptions).toBe('^--------!');
      });
    });

    it('should cancel everything at an early unsubscription', () => {
      runMarbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a-b-c---------|');
        const scale = hot('  --x------------|');
        const inner = cold('           -----(v|)');
        const unsub = '      ---------!';
        const expected = '   ------a---';
        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), 1)), unsub).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe('^--------!');
        expectSubscriptions(scale.subscriptions).toBe('^--------!');
        expectSubscriptions(inner.subscriptions).toBe(['-^----!', '------^--!']);
      });
    });
  });

  describe('semantic 10: re-entrancy', () => {
    it('should work with projections that complete synchronously', () => {
      const { a, b } = subjects('a', 'b');
      const r = record(roundRobin({ a, b }).pipe(fairMergeMap((x) => of(`${x}!`), 1)));
      a.next('a1');
      b.next('b1');
      a.next('a2');
      a.complete();
      b.complete();
      expect(r.values).toEqual(['a1!', 'b1!', 'a2!']);
      expect(r.completed).toBe(true);
    });

    it('should take events pushed by a projection while it is being dispatched', () => {
      const { a, b } = subjects('a', 'b');
      const project = (x: string): Observable<string> => {
        if (x === 'a1') {
          b.next('b1');
          a.next('a2');
          b.next('b2');
        }
        return of(x);
      };
      const r = record(roundRobin({ a, b }).pipe(fairMergeMap(project, 1)));
      a.next('a1');
      expect(r.values).toEqual(['a1', 'b1', 'a2', 'b2']);
    });

    it('should let a projection pause, resume and delete children of the node it drains', () => {
      const { a, b, c } = subjects('a', 'b', 'c');
      const node = roundRobin({ a, b, c });
      const handedBack: string[] = [];
      const project = (x: string): Observable<string> => {
        if (x === 'a1') node.pause('a');
        if (x === 'b1') handedBack.push(...node.delete('c'));
        if (x === 'b2') node.resume('a');
        return of(x);
      };
      let release: () => void = () => {};
      const r = record(
        node.pipe(
          fairMergeMap(
            (x, i) => (i === 0 ? new Observable<string>((s) => void (release = () => s.complete())) : project(x)),
            1,
          ),
        ),
      );
      a.next('first');
      a.next('a1');
      a.next('a2');
      b.next('b1');
      c.next('c1');
      b.next('b2');
      release();
      expect(handedBack).toEqual(['c1']);
      expect(r.values).toEqual(['a1', 'b1', 'b2', 'a2']);
    });

    it('should drain a million synchronous completions without growing the stack', () => {
      const a = new Subject<number>();
      const node = roundRobin({ a });
      let release: () => void = () => {};
      let count = 0;
      let last = -1;
      let inOrder = true;
      node
        .pipe(
          fairMergeMap(
            (x, i) => (i === 0 ? new Observable<number>((s) => void (release = () => s.complete())) : of(x)),
            1,
          ),
        )
        .subscribe((x) => {
          if (x !== last + 1) inOrder = false;
          last = x;
          count++;
        });
      a.next(-1);
      for (let i = 0; i < 1_000_000; i++) a.next(i);
      expect(node.size).toBe(1_000_000);
      release();
      expect(count).toBe(1_000_000);
      expect(inOrder).toBe(true);
      expect(node.size).toBe(0);
    });
  });

  describe('semantic 11: bad input', () => {
    it('should reject a child that is not an Observable, at construction and on add, changing nothing', () => {
      expect(() => roundRobin({ a: 'x' as unknown as Observable<string> })).toThrow(TypeError);
      expect(() => roundRobin(new Map([['a', 42 as unknown as Observable<string>]]))).toThrow(TypeError);
      const { a } = subjects('a');
      const node = roundRobin({ a });
      const r = record(node);
      expect(() => node.add('b', 'bar' as unknown as Observable<string>)).toThrow(TypeError);
      expect(() => node.add('b', Promise.resolve('x') as unknown as Observable<string>)).toThrow(TypeError);
      expect([...node.keys()]).toEqual(['a']);
      expect(node.has('b')).toBe(false);
      a.next('a1');
      expect(r.values).toEqual(['a1']);
      expect(r.errors).toEqual([]);
    });

    it('should reject a duplicate key on add, changing nothing', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a });
      const r = record(node);
      node.pause('a');
      a.next('a1');
      expect(() => node.add('a', b)).toThrow(/already in this node/);
      expect(b.observed).toBe(false);
      expect([...node.keys()]).toEqual(['a']);
      expect(node.size).toBe(1);
      expect(node.isPaused('a')).toBe(true);
      node.resume('a');
      expect(r.values).toEqual(['a1']);
    });

    it('should reject delete, pause, resume and isPaused of an unknown key, changing nothing', () => {
      const { a } = subjects('a');
      const node = roundRobin({ a });
      const r = record(node);
      node.pause('a');
      a.next('a1');
      expect(() => node.delete('x')).toThrow(/no such child/);
      expect(() => node.pause('x')).toThrow(/no such child/);
      expect(() => node.resume('x')).toThrow(/no such child/);
      expect(() => node.isPaused('x')).toThrow(/no such child/);
      expect([...node.keys()]).toEqual(['a']);
      expect(node.size).toBe(1);
      expect(r.values).toEqual([]);
      expect(r.errors).toEqual([]);
      expect(r.completed).toBe(false);
    });

    it('should reject a node that would contain itself, changing nothing', () => {
      const { vm } = subjects('vm');
      const host = roundRobin<string>({ vm });
      const cloud = roundRobin<string>({ host });
      expect(() => host.add('cloud', cloud)).toThrow(/contain itself/);
      expect(() => cloud.add('self', cloud)).toThrow(/contain itself/);
      expect([...host.keys()]).toEqual(['vm']);
      expect([...cloud.keys()]).toEqual(['host']);
    });

    it('should deliver the errors of a bad call to the caller, not to the subscription', () => {
      const { a } = subjects('a');
      const node = roundRobin({ a });
      const gates = new Gates<string>();
      const r = record(node.pipe(fairMergeMap(gates.project, 1)));
      expect(() => node.delete('nope')).toThrow();
      a.next('a1');
      expect(gates.started).toEqual(['a1']);
      expect(r.errors).toEqual([]);
    });
  });

  describe('add while subscribed', () => {
    it('should subscribe an added leaf at once and put it at the back of the rotation', () => {
      const { a, b } = subjects('a', 'b');
      const node = roundRobin({ a });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1'); // dispatched
      a.next('a2');
      expect(node.add('b', b)).toBe(node);
      expect(b.observed).toBe(true);
      expect([...node.keys()]).toEqual(['a', 'b']);
      b.next('b1');
      a.next('a3');
      for (const x of ['a1', 'a2', 'b1']) gates.finish(x);
      expect(gates.started).toEqual(['a1', 'a2', 'b1', 'a3']);
    });

    it('should subscribe the leaves of an added node, and its paused children stay paused', () => {
      const { cloud, leaf } = seedCloud();
      const gates = new Gates<string>();
      const r = record(cloud.pipe(fairMergeMap(gates.project, 1)));
      const { vm1, vm2 } = subjects('vm1', 'vm2');
      const host4 = roundRobin({ vm1, vm2 });
      host4.pause('vm2');
      cloud.add('compute4', host4);
      expect([...cloud.keys()]).toEqual(['compute1', 'compute2', 'compute3', 'compute4']);
      expect(vm1.observed).toBe(true);
      expect(vm2.observed).toBe(true);
      leaf(1, 1).next('c1'); // dispatched
      vm2.next('c4-vm2');
      vm1.next('c4-vm1');
      leaf(1, 1).next('c1b');
      gates.finish('c1');
      gates.finish('c4-vm1');
      gates.finish('c1b');
      expect(gates.started).toEqual(['c1', 'c4-vm1', 'c1b']);
      expect(host4.size).toBe(1);
      host4.resume('vm2');
      expect(gates.started).toEqual(['c1', 'c4-vm1', 'c1b', 'c4-vm2']);
      expect(r.errors).toEqual([]);
    });

    it('should take an added cold child that emits and completes synchronously', () => {
      const { a } = subjects('a');
      const node = roundRobin({ a });
      const r = record(node);
      node.add('b', of('b1', 'b2'));
      expect(r.values).toEqual(['b1', 'b2']);
      a.complete();
      expect(r.completed).toBe(true);
    });
  });

  it('should error the output when a child Observable throws on subscription', () => {
    const err = new Error('bad source');
    const b = new Subject<string>();
    const r = record(roundRobin({ a: throwError(() => err), b }));
    expect(r.errors).toEqual([err]);
    expect(b.observed).toBe(false);
  });
});
