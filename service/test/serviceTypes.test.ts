// Type tests of the service entry's exports (@rxjs-fair/service).
import type { Command } from 'commander';
import { describe, expectTypeOf, it } from 'vitest';
import {
  Availability,
  checkAvailability,
  checkEvents,
  createDemoHandler,
  generateEvents,
  loadHandler,
  Producer,
  registerServiceCommands,
  Scheduler,
  startRestServer,
  type AvailabilityPatch,
  type AvailabilityState,
  type EventHandler,
  type FairEvent,
  type RestServer,
  type SchedulerStats,
  type BrokerUrls,
  type ProducerOptions,
  type SchedulerOptions,
} from '../src/index.js';

describe('@rxjs-fair/service types', () => {
  it("types the contract's event and availability", () => {
    expectTypeOf<FairEvent>().toMatchTypeOf<{
      id: string;
      host: string;
      vm: string;
      policy: string;
      action: string;
      payload?: unknown;
    }>();
    expectTypeOf<AvailabilityState>().toEqualTypeOf<'ACTIVE' | 'DOWN' | 'MAINTENANCE'>();
    expectTypeOf<{ c1: 'MAINTENANCE'; c2: { vm1: 'DOWN' } }>().toMatchTypeOf<AvailabilityPatch>();
    expectTypeOf(checkEvents).returns.toEqualTypeOf<FairEvent[]>();
    expectTypeOf(checkAvailability).returns.toEqualTypeOf<AvailabilityPatch>();
    expectTypeOf(generateEvents).returns.toMatchTypeOf<Iterable<FairEvent>>();
  });

  it('types the scheduler, the producer and the REST server', () => {
    expectTypeOf(Scheduler).constructorParameters.toMatchTypeOf<
      [{ url: string | readonly string[]; handle: EventHandler; concurrency?: number }]
    >();
    expectTypeOf<SchedulerOptions['url']>().toEqualTypeOf<BrokerUrls>(); // one URL, or a cluster's nodes
    expectTypeOf<ProducerOptions['url']>().toEqualTypeOf<BrokerUrls>();
    expectTypeOf<Scheduler['start']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Scheduler['stats']>().returns.toEqualTypeOf<SchedulerStats>();
    expectTypeOf<Scheduler['availability']>().toEqualTypeOf<Availability>();
    expectTypeOf(Producer.connect).returns.resolves.toEqualTypeOf<Producer>();
    expectTypeOf(startRestServer).returns.resolves.toEqualTypeOf<RestServer>();
    expectTypeOf(createDemoHandler()).toMatchTypeOf<EventHandler>();
    expectTypeOf(loadHandler).returns.resolves.toEqualTypeOf<EventHandler>();
    expectTypeOf(registerServiceCommands).parameter(0).toEqualTypeOf<Command>();
  });
});
