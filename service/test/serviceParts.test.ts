// The service's pieces that need no broker: schemas, availability, the fair tree, the scheduler's option checks.
import { describe, expect, it } from 'vitest';
import {
  Availability,
  checkAvailability,
  checkEvents,
  generateEvents,
  InvalidInputError,
  parseEvent,
  Scheduler,
} from '../src/index.js';
import { FairTree } from '../src/FairTree.js';
import { checkEvent } from '../src/schemas.js';
import { fairMergeMap } from 'rxjs-fair';

const invalid = (f: () => unknown): { field: string; reason: string } => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const { field, reason } = error as InvalidInputError;
    return { field, reason };
  }
  throw new Error('expected an InvalidInputError');
};

describe('event and availability schemas', () => {
  it("accepts the contract's event, with or without payload and with extra fields", () => {
    const e = { id: '1', host: 'h', vm: 'v', policy: 'p', action: 'heal' };
    expect(checkEvents(e)).toEqual([e]);
    expect(checkEvents([e, { ...e, payload: { any: ['thing'] }, extra: 1 }])).toHaveLength(2);
    expect(parseEvent(Buffer.from(JSON.stringify(e)))).toEqual(e);
  });

  it('counts the length of a name in characters, as the schema does: 100 astral ones are 200 UTF-16 units', () => {
    const e = { id: '1', host: '\u{1F600}'.repeat(100), vm: 'v', policy: 'p', action: 'heal' };
    expect(parseEvent(JSON.stringify(e))).toEqual(e);
    expect(invalid(() => checkEvent({ ...e, host: '\u{1F600}'.repeat(101) }))).toEqual({
      field: 'host',
      reason: 'must NOT have more than 100 characters',
    });
    expect(invalid(() => checkEvent([e])).reason).toBe('must be object');
    expect(invalid(() => checkEvent(null)).reason).toBe('must be object');
  });

  it('names the failing field and the reason', () => {
    expect(invalid(() => parseEvent('{'))).toMatchObject({
      field: '(body)',
      reason: expect.stringMatching(/^malformed JSON/),
    });
    expect(invalid(() => checkEvents({ id: '1', host: 'h', vm: 'v', policy: 'p' }))).toEqual({
      field: 'action',
      reason: 'is required',
    });
    expect(
      invalid(() =>
        checkEvents([
          { id: '1', host: 'h', vm: 'v', policy: 'p', action: 'a' },
          { id: '2', host: 'h', vm: 'v', policy: 'p', action: 5 },
        ]),
      ),
    ).toEqual({
      field: '[1].action',
      reason: 'must be string',
    });
    expect(invalid(() => checkEvents({ id: '1', host: 'h'.repeat(101), vm: 'v', policy: 'p', action: 'a' }))).toEqual({
      field: 'host',
      reason: 'must NOT have more than 100 characters',
    });
    expect(invalid(() => checkEvents({ id: '', host: 'h', vm: 'v', policy: 'p', action: 'a' }))).toEqual({
      field: 'id',
      reason: 'must NOT have fewer than 1 characters',
    });
    expect(invalid(() => checkAvailability({ c1: 'UP' })).field).toBe('c1');
    expect(invalid(() => checkAvailability({ c1: { vm1: 'UP' } }))).toEqual({
      field: 'c1.vm1',
      reason: 'must be "ACTIVE", "DOWN" or "MAINTENANCE"',
    });
    expect(invalid(() => checkAvailability(['c1'])).reason).toBe('must be object');
  });
});

describe('Availability', () => {
  it('pauses a VM that is DOWN or in MAINTENANCE, and every VM of a host set as a whole', () => {
    const a = new Availability();
    expect(a.isRunnable('c1', 'vm1')).toBe(true);
    a.apply({ c1: { vm1: 'DOWN', vm2: 'MAINTENANCE' } });
    expect([a.isRunnable('c1', 'vm1'), a.isRunnable('c1', 'vm2'), a.isRunnable('c1', 'vm3')]).toEqual([
      false,
      false,
      true,
    ]);
    expect(a.apply({ c2: 'MAINTENANCE' })).toEqual(['c2']);
    expect(a.isHostActive('c2')).toBe(false);
    expect(a.vmState('c2', 'anything')).toBe('MAINTENANCE');
    a.apply({ c1: { vm1: 'ACTIVE' } }); // vm2 keeps its state
    expect(a.toJSON()).toEqual({ c1: { vm2: 'MAINTENANCE' }, c2: 'MAINTENANCE' });
    a.apply({ c1: 'ACTIVE', c2: 'ACTIVE' }); // a whole host: its VMs' states are forgotten
    expect(a.toJSON()).toEqual({});
  });
});

describe('FairTree', () => {
  it("dispatches host -> VM -> policy in rotation, hands back a VM's queued items, and sweeps idle branches", () => {
    const tree = new FairTree<string>();
    const order: string[] = [];
    let release: (() => void) | undefined;
    const subscription = tree.source
      .pipe(
        fairMergeMap((item: string) => {
          order.push(item);
          return item === 'h0-block' ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
        }, 1),
      )
      .subscribe();
    tree.push('h0', 'block', 'p', 'h0-block'); // holds the only slot while the backlog queues
    for (const host of ['h1', 'h2'])
      for (const vm of ['v1', 'v2']) for (let i = 0; i < 2; i++) tree.push(host, vm, 'p', `${host}-${vm}-${i}`);
    expect(tree.deleteVm('h2', 'v2')).toEqual(['h2-v2-0', 'h2-v2-1']);
    expect(tree.counts()).toEqual({ h1: { v1: 2, v2: 2 }, h2: { v1: 2 } });
    release?.();
    return new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() => {
      expect(order).toEqual(['h0-block', 'h1-v1-0', 'h2-v1-0', 'h1-v2-0', 'h2-v1-1', 'h1-v1-1', 'h1-v2-1']);
      tree.sweep();
      expect(tree.vms('h1')).toEqual([]);
      expect(tree.counts()).toEqual({});
      subscription.unsubscribe();
    });
  });
});

describe('generateEvents', () => {
  it('puts the skewed share on compute0 first, and spreads the rest over the other hosts', () => {
    const events = [...generateEvents({ hosts: 3, vms: 2, policies: 2, events: 10, skew: 0.6 })];
    expect(events.map((e) => e.host)).toEqual([
      'compute0',
      'compute0',
      'compute0',
      'compute0',
      'compute0',
      'compute0',
      'compute1',
      'compute2',
      'compute1',
      'compute2',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(10);
    expect([...generateEvents({ hosts: 2, vms: 1, policies: 1, events: 4 })].map((e) => e.host)).toEqual([
      'compute0',
      'compute1',
      'compute0',
      'compute1',
    ]);
  });
});

describe('Scheduler options', () => {
  it('refuses an action timeout that is not a positive integer a timer can take, naming it', () => {
    const handle = () => {};
    for (const actionTimeout of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new Scheduler({ url: 'amqp://127.0.0.1', handle, actionTimeout })).toThrow(
        /^Expected `actionTimeout` to be an integer from 1 to 2147483647 ms, got /,
      );
    }
  });

  it('refuses bad caps, costs and latest policies, naming the option', () => {
    const handle = () => {};
    const url = 'amqp://127.0.0.1';
    expect(() => new Scheduler({ url, handle, caps: { host: 0 } })).toThrow(/^Expected `caps.host` to be a positive/);
    expect(() => new Scheduler({ url, handle, caps: { vm: 1.5 } })).toThrow(/^Expected `caps.vm` to be a positive/);
    expect(() => new Scheduler({ url, handle, cost: { migrate: 0 } })).toThrow(
      /^Expected `cost.migrate` to be a positive integer, got 0/,
    );
    expect(() => new Scheduler({ url, handle, latest: [''] })).toThrow(/^Expected `latest` to hold non-empty names/);
    expect(() => new Scheduler({ url, handle, rate: { host: { limit: 0, interval: 1000 } } })).toThrow(
      /^`rate.host`: Expected `limit`/,
    );
    expect(() => new Scheduler({ url, handle, rate: { vm: { limit: 1, interval: -5 } } })).toThrow(/^`rate.vm`: /);
    expect(
      () => new Scheduler({ url, handle, caps: { host: 2, vm: 1 }, cost: { migrate: 4 }, latest: ['state'] }),
    ).not.toThrow();
  });

  it('refuses bad priority levels, naming the option', () => {
    const handle = () => {};
    const url = 'amqp://127.0.0.1';
    const bad: [unknown, RegExp][] = [
      [null, /^Expected `priority` to be \{ levels, every \}/],
      [{ levels: [] }, /^Expected `priority.levels` to be a non-empty array/],
      [{ levels: [['heal'], []] }, /^Expected `priority.levels\[1\]` to be a non-empty array of actions, got \[\]/],
      [{ levels: [['heal', '']] }, /^Expected `priority.levels\[0\]` to hold non-empty names/],
      [{ levels: [['heal'], ['heal']] }, /^Expected each action in one level, got "heal" twice/],
      [{ levels: [['heal']], every: 1 }, /^Expected `priority.every` to be an integer from 2 up, or Infinity, got 1/],
    ];
    for (const [priority, message] of bad)
      expect(() => new Scheduler({ url, handle, priority: priority as never }), JSON.stringify(priority)).toThrow(
        message,
      );
    expect(() => new Scheduler({ url, handle, priority: { levels: [['heal'], ['migrate']], every: 4 } })).not.toThrow();
  });
});
