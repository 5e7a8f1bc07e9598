import fc from 'fast-check';
import { Subject, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LeafSubject } from '../../src/index.js';

// LeafSubject must be indistinguishable from Subject: the same commands, run on each, must log the same.
type Cmd =
  | { readonly t: 'subscribe'; readonly reentrant: 'none' | 'next' | 'subscribe' | 'unsubscribeSelf' }
  | { readonly t: 'unsubscribe'; readonly which: number }
  | { readonly t: 'next'; readonly value: number }
  | { readonly t: 'complete' }
  | { readonly t: 'error' }
  | { readonly t: 'unsubscribeSubject' }
  | { readonly t: 'subscribeThrowing' };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('subscribe' as const),
      reentrant: fc.constantFrom('none' as const, 'next' as const, 'subscribe' as const, 'unsubscribeSelf' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('unsubscribe' as const), which: fc.nat(5) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('next' as const), value: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'complete' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'error' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'unsubscribeSubject' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'subscribeThrowing' as const }) },
);

class ThrowingObserver extends Subscription {
  constructor(
    readonly id: number,
    readonly log: string[],
  ) {
    super();
  }

  next(v: number): void {
    this.log.push(`${this.id} next ${v}, then throws`);
    throw new Error(`thrown by ${this.id}`);
  }

  error(e: unknown): void {
    this.log.push(`${this.id} error ${String(e)}`);
  }

  complete(): void {
    this.log.push(`${this.id} complete`);
  }
}

/** Runs the commands on a subject and returns what everyone saw, thrown errors included. */
function run(subject: Subject<number>, cmds: readonly Cmd[]): string[] {
  const log: string[] = [];
  const subs: Subscription[] = [];
  let ids = 0;
  const attempt = (what: string, f: () => void): void => {
    try {
      f();
    } catch (err) {
      log.push(`${what} threw ${(err as Error).name}: ${(err as Error).message}`);
    }
  };
  const subscribe = (reentrant: Extract<Cmd, { t: 'subscribe' }>['reentrant'], depth: number): void => {
    const id = ids++;
    let reentered = false;
    const self: Subscription = subject.subscribe({
      next: (v) => {
        log.push(`${id} next ${v}`);
        if (reentered || depth > 0) return;
        reentered = true;
        if (reentrant === 'next') attempt(`${id} next in next`, () => subject.next(v + 1000));
        if (reentrant === 'subscribe') subscribe('none', depth + 1);
        if (reentrant === 'unsubscribeSelf') self.unsubscribe();
      },
      error: (e) => log.push(`${id} error ${String(e)}`),
      complete: () => log.push(`${id} complete`),
    });
    subs.push(self);
  };
  for (const cmd of cmds) {
    switch (cmd.t) {
      case 'subscribe':
        attempt('subscribe', () => subscribe(cmd.reentrant, 0));
        break;
      case 'unsubscribe':
        subs[cmd.which % Math.max(1, subs.length)]?.unsubscribe();
        break;
      case 'next':
        attempt(`next ${cmd.value}`, () => subject.next(cmd.value));
        break;
      case 'complete':
        attempt('complete', () => subject.complete());
        break;
      case 'error':
        attempt('error', () => subject.error('boom'));
        break;
      case 'unsubscribeSubject':
        subject.unsubscribe();
        break;
      case 'subscribeThrowing': {
        // Used as is, not wrapped (a Subscription and an Observer, like roundRobin's leaves): its throw reaches `next`.
        const id = ids++;
        attempt('subscribe throwing', () => subs.push(subject.subscribe(new ThrowingObserver(id, log))));
        break;
      }
    }
    log.push(`observed ${subject.observed} closed ${subject.closed}`);
  }
  return log;
}

describe('LeafSubject (model: RxJS Subject)', () => {
  it('should behave exactly as a Subject under any sequence of subscribes, unsubscribes, nexts and ends', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 40 }), (cmds) => {
        expect(run(new LeafSubject<number>(), cmds)).toEqual(run(new Subject<number>(), cmds));
      }),
      { numRuns: Number(process.env['NUM_RUNS'] ?? 500) },
    );
  });
});
