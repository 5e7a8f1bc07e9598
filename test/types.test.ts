/**
 * Type tests for every export. `expectTypeOf` does nothing at run time; `tsc --noEmit` (run by `npm test`) checks
 * them, and the `@ts-expect-error` lines fail the type check if the mistake they show stops being an error.
 */
import { Observable, Subject, of, type ObservableInput, type OperatorFunction } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  FifoQueue,
  LeafSubject,
  QueueNode,
  RingBuffer,
  RoundRobin,
  RoundRobinQueue,
  fairMergeMap,
  roundRobin,
  type AddOptions,
  type FairMergeMapOptions,
  type QueueChildren,
  type RoundRobinChildren,
} from '../src/index.js';

interface Event {
  host: string;
  vm: string;
  policy: string;
  action: string;
}

class Vm {
  constructor(readonly name: string) {}
}

describe('types', () => {
  describe('roundRobin / RoundRobin', () => {
    it('infers T from Subjects and uses string keys for a Record', () => {
      const heal = new Subject<Event>();
      const scale = new Subject<Event>();
      const vm1 = roundRobin({ heal, scale });
      expectTypeOf(vm1).toEqualTypeOf<RoundRobin<Event, string>>();
      expectTypeOf(vm1).toEqualTypeOf<RoundRobin<Event>>();
      expectTypeOf(vm1).toExtend<Observable<Event>>();
    });

    it('infers T from LeafSubjects, which are Subjects', () => {
      const heal = new LeafSubject<Event>();
      expectTypeOf(heal).toExtend<Subject<Event>>();
      expectTypeOf(roundRobin({ heal, scale: new Subject<Event>() })).toEqualTypeOf<RoundRobin<Event>>();
    });

    it('infers T through nested nodes', () => {
      const vm1 = roundRobin({ heal: new Subject<Event>() });
      const vm2 = roundRobin({ heal: new Subject<Event>() });
      const host = roundRobin({ vm1, vm2 });
      expectTypeOf(host).toEqualTypeOf<RoundRobin<Event, string>>();
      expectTypeOf(roundRobin({ host })).toEqualTypeOf<RoundRobin<Event, string>>();
    });

    it('takes the key type of a Map', () => {
      const node = roundRobin(new Map([[new Vm('vm1'), new Subject<number>()]]));
      expectTypeOf(node).toEqualTypeOf<RoundRobin<number, Vm>>();
      expectTypeOf(node.keys()).toEqualTypeOf<IterableIterator<Vm>>();
      expectTypeOf(node.has).parameter(0).toEqualTypeOf<Vm>();
      expectTypeOf(node.pause).parameter(0).toEqualTypeOf<Vm>();
      const byNumber = roundRobin(new Map([[1, of('a')]]));
      expectTypeOf(byNumber).toEqualTypeOf<RoundRobin<string, number>>();
    });

    it('has the promised members', () => {
      const node = roundRobin({ a: new Subject<number>() });
      expectTypeOf(node.add).parameters.toEqualTypeOf<[string, Observable<number>, AddOptions<number>?]>();
      expectTypeOf(node.add).returns.toEqualTypeOf<RoundRobin<number, string>>();
      expectTypeOf(node.delete).returns.toEqualTypeOf<number[]>();
      expectTypeOf(node.pause).returns.toEqualTypeOf<RoundRobin<number, string>>();
      expectTypeOf(node.resume).returns.toEqualTypeOf<RoundRobin<number, string>>();
      expectTypeOf(node.has).returns.toEqualTypeOf<boolean>();
      expectTypeOf(node.isPaused).returns.toEqualTypeOf<boolean>();
      expectTypeOf(node.keys).returns.toEqualTypeOf<IterableIterator<string>>();
      expectTypeOf(node.size).toEqualTypeOf<number>();
    });

    it('accepts no children', () => {
      expectTypeOf(roundRobin<number>()).toEqualTypeOf<RoundRobin<number, string>>();
      expectTypeOf(new RoundRobin<number>()).toEqualTypeOf<RoundRobin<number, string>>();
    });

    it('rejects children of the wrong kind', () => {
      // Type-checked, never run (these calls would throw).
      const wrong = (): void => {
        const node = roundRobin({ a: new Subject<number>() });
        // @ts-expect-error a child must be an Observable
        roundRobin({ a: 42 });
        // @ts-expect-error a child must emit the node's type
        node.add('b', new Subject<string>());
        // @ts-expect-error keys of a Record node are strings
        node.delete(1);
      };
      expectTypeOf(wrong).toBeFunction();
    });

    it('describes its children with RoundRobinChildren', () => {
      expectTypeOf<Record<string, Subject<number>>>().toExtend<RoundRobinChildren<number, string>>();
      expectTypeOf<Map<Vm, Observable<number>>>().toExtend<RoundRobinChildren<number, Vm>>();
    });
  });

  describe('fairMergeMap', () => {
    it('infers the result type from an Observable projection', () => {
      const op = fairMergeMap((e: Event) => of(e.action.length), 16);
      expectTypeOf(op).toEqualTypeOf<OperatorFunction<Event, number>>();
    });

    it('infers the result type from a Promise projection', () => {
      const op = fairMergeMap(async (e: Event) => ({ ok: true, id: e.vm }), 16);
      expectTypeOf(op).toEqualTypeOf<OperatorFunction<Event, { ok: boolean; id: string }>>();
      const fromPromise = of(1).pipe(fairMergeMap((x) => Promise.resolve(String(x)), 2));
      expectTypeOf(fromPromise).toEqualTypeOf<Observable<string>>();
    });

    it('infers the result type from an array or iterable projection', () => {
      expectTypeOf(of(1).pipe(fairMergeMap((x) => [x > 0, x < 0], 1))).toEqualTypeOf<Observable<boolean>>();
      function* letters(x: number): Generator<string> {
        yield String(x);
      }
      expectTypeOf(of(1).pipe(fairMergeMap(letters, 1))).toEqualTypeOf<Observable<string>>();
    });

    it('infers T from the source of a pipe, roundRobin nodes included', () => {
      const cloud = roundRobin({ compute1: roundRobin({ vm1: new Subject<Event>() }) });
      const out = cloud.pipe(
        fairMergeMap((event, index) => {
          expectTypeOf(event).toEqualTypeOf<Event>();
          expectTypeOf(index).toEqualTypeOf<number>();
          return of(event.action);
        }, 16),
      );
      expectTypeOf(out).toEqualTypeOf<Observable<string>>();
    });

    it('takes options with concurrency and by', () => {
      const events$ = new Subject<Event>();
      const out = events$.pipe(
        fairMergeMap((e) => of(e.policy), { concurrency: 16, by: (e) => [e.host, e.vm, e.policy] }),
      );
      expectTypeOf(out).toEqualTypeOf<Observable<string>>();
      expectTypeOf<FairMergeMapOptions<Event>['concurrency']>().toEqualTypeOf<number | undefined>();
      expectTypeOf<NonNullable<FairMergeMapOptions<Event>['by']>>().toEqualTypeOf<
        (value: Event) => readonly unknown[]
      >();
      expectTypeOf(fairMergeMap).parameter(1).toExtend<number | FairMergeMapOptions<never> | undefined>();
    });

    it('takes a cost function of the event', () => {
      const events$ = new Subject<Event>();
      const out = events$.pipe(
        fairMergeMap((e) => of(e.policy), { concurrency: 16, cost: (e) => (e.action === 'migrate' ? 4 : 1) }),
      );
      expectTypeOf(out).toEqualTypeOf<Observable<string>>();
      expectTypeOf<NonNullable<FairMergeMapOptions<Event>['cost']>>().toEqualTypeOf<(value: Event) => number>();
    });

    it('rejects projections and options of the wrong kind', () => {
      // Type-checked, never run (these calls would throw).
      const wrong = (): void => {
        // @ts-expect-error a projection must return an ObservableInput
        fairMergeMap((x: number) => x * 2, 1);
        // @ts-expect-error concurrency is a number
        fairMergeMap((x: number) => of(x), { concurrency: '3' });
        // @ts-expect-error `by` must return an array of keys
        fairMergeMap((e: Event) => of(e), { by: (e: Event) => e.host });
      };
      expectTypeOf(wrong).toBeFunction();
      expectTypeOf<ObservableInput<number>>().not.toEqualTypeOf<number>();
    });
  });

  describe('FifoQueue', () => {
    it('has next(): T | undefined and the promised members', () => {
      const q = new FifoQueue(['healing']);
      expectTypeOf(q).toEqualTypeOf<FifoQueue<string>>();
      expectTypeOf(q.next()).toEqualTypeOf<string | undefined>();
      expectTypeOf(q.peek()).toEqualTypeOf<string | undefined>();
      expectTypeOf(q.clear()).toEqualTypeOf<string[]>();
      expectTypeOf(q.push).parameters.toEqualTypeOf<[string]>();
      expectTypeOf(q.size).toEqualTypeOf<number>();
      expectTypeOf(q.ready).toEqualTypeOf<boolean>();
      expectTypeOf([...q]).toEqualTypeOf<string[]>();
      expectTypeOf(q).toExtend<QueueNode<string>>();
      const wrong = (): void => {
        // @ts-expect-error a FifoQueue<string> takes strings
        q.push(1);
      };
      expectTypeOf(wrong).toBeFunction();
    });
  });

  describe('RoundRobinQueue', () => {
    it('has next(): T | undefined, delete(): T[] and the promised members', () => {
      const q = new RoundRobinQueue<string>({ pol1: new FifoQueue(['healing']), pol2: new FifoQueue(['scaling out']) });
      expectTypeOf(q).toEqualTypeOf<RoundRobinQueue<string, string>>();
      expectTypeOf(q.next()).toEqualTypeOf<string | undefined>();
      expectTypeOf(q.delete('pol1')).toEqualTypeOf<string[]>();
      expectTypeOf(q.add).returns.toEqualTypeOf<RoundRobinQueue<string, string>>();
      expectTypeOf(q.pause).returns.toEqualTypeOf<RoundRobinQueue<string, string>>();
      expectTypeOf(q.resume).returns.toEqualTypeOf<RoundRobinQueue<string, string>>();
      expectTypeOf(q.get('pol1')).toEqualTypeOf<QueueNode<string> | undefined>();
      expectTypeOf(q.keys()).toEqualTypeOf<IterableIterator<string>>();
      expectTypeOf(q.push).parameters.toEqualTypeOf<[readonly unknown[], string]>();
      expectTypeOf(q.size).toEqualTypeOf<number>();
      expectTypeOf(q).toExtend<QueueNode<string>>();
    });

    it('takes any key type from a Map', () => {
      const q = new RoundRobinQueue<number, Vm>(new Map([[new Vm('vm1'), new FifoQueue([1])]]));
      expectTypeOf(q.keys()).toEqualTypeOf<IterableIterator<Vm>>();
      expectTypeOf(q.delete).parameters.toEqualTypeOf<[Vm]>();
      expectTypeOf(q.delete).returns.toEqualTypeOf<number[]>();
      expectTypeOf<Map<Vm, FifoQueue<number>>>().toExtend<QueueChildren<number, Vm>>();
    });

    it('rejects children of the wrong type', () => {
      // Type-checked, never run (these calls would throw).
      const wrong = (): void => {
        const q = new RoundRobinQueue<string>();
        // @ts-expect-error a child must hold the node's event type
        q.add('x', new FifoQueue([1]));
        // @ts-expect-error a Subject is not a queue
        q.add('y', new Subject<string>());
      };
      expectTypeOf(wrong).toBeFunction();
    });
  });

  describe('QueueNode and RingBuffer', () => {
    it('types the shared base and the ring buffer', () => {
      expectTypeOf<QueueNode<number>['next']>().returns.toEqualTypeOf<number | undefined>();
      expectTypeOf<QueueNode<number>['size']>().toEqualTypeOf<number>();
      const buffer = new RingBuffer<number>([1, 2]);
      expectTypeOf(buffer.shift()).toEqualTypeOf<number | undefined>();
      expectTypeOf(buffer.peek()).toEqualTypeOf<number | undefined>();
      expectTypeOf(buffer.drain()).toEqualTypeOf<number[]>();
      expectTypeOf(buffer.length).toEqualTypeOf<number>();
    });
  });
});
