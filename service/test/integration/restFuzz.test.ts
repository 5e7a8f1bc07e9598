// Property-based fuzzing of the REST bodies against the real broker: random JSON, wrong types, huge arrays, deep
// nesting, unicode and prototype-pollution keys for POST /events and PUT /availability. Every answer is a documented
// one (the service manual's table), the service stays up, and what reaches the broker is exactly the events of the
// bodies answered 202: nothing else runs, nothing is dead-lettered, Object.prototype is untouched.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAvailability, checkEvent, checkEvents, InvalidInputError, Scheduler } from '../../src/index.js';
import type { FairEvent } from '../../src/index.js';
import { startRestServer, type RestServer } from '../../src/restServer.js';
import { shardOf, shardQueue, topology } from '../../src/topology.js';
import { amqpUrl, queueDepth, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const TOKEN = 'test-token-fuzz';
const LIMIT = 1024 * 1024;
const HOSTS = ['fz-h0', 'fz-h1', 'fz-h2'];
const POLLUTERS = ['__proto__', 'constructor', 'prototype'];

/** JSON text with `key` as an own key of the object (JSON.stringify drops nothing; `{ __proto__: x }` would). */
const withKey = (object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> =>
  Object.defineProperty({ ...object }, key, { value, enumerable: true, configurable: true, writable: true });

const unicode = fc.string({ unit: 'binary', minLength: 0, maxLength: 120 });
const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
/** Anything a field could be: right, empty, too long, unicode, or of the wrong type. */
const fieldValue = (good: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    fc.constant(''),
    fc.string({ minLength: 101, maxLength: 300 }),
    unicode,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 1 }),
  );
const deep = fc
  .integer({ min: 1, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

const validEvent: fc.Arbitrary<FairEvent> = fc.record(
  {
    id: fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }),
    host: fc.constantFrom(...HOSTS),
    vm: fc.constantFrom('v0', 'v1', 'vé', 'v😀'),
    policy: fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
    action: fc.constantFrom('heal', 'migrate'),
    payload: anyJson,
  },
  { requiredKeys: ['id', 'host', 'vm', 'policy', 'action'] },
);
const mangledEvent = fc
  .record(
    {
      id: fieldValue(fc.string({ minLength: 1, maxLength: 20 })),
      host: fieldValue(fc.constantFrom(...HOSTS)),
      vm: fieldValue(fc.constant('v0')),
      policy: fieldValue(fc.constant('p')),
      action: fieldValue(fc.constant('heal')),
      payload: anyJson,
    },
    { requiredKeys: [] },
  )
  .chain((event) =>
    fc
      .option(fc.tuple(fc.constantFrom(...POLLUTERS), fc.oneof(anyJson, fc.constant({ polluted: true }))))
      .map((extra) => (extra === null ? event : withKey(event, extra[0], extra[1]))),
  );

/** POST /events bodies, as the text sent. */
const eventBodies: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc.oneof(validEvent, fc.array(validEvent, { minLength: 1, maxLength: 5 })).map((v) => JSON.stringify(v)),
  },
  {
    weight: 6,
    arbitrary: fc.oneof(mangledEvent, fc.array(mangledEvent, { maxLength: 8 })).map((v) => JSON.stringify(v)),
  },
  // A valid event whose payload is nested deep.
  {
    weight: 1,
    arbitrary: fc.tuple(validEvent, deep).map(([e, d]) => JSON.stringify({ ...e, payload: 0 }).replace(/0}$/, `${d}}`)),
  },
  { weight: 1, arbitrary: deep },
  // A huge batch with one bad event somewhere: 400, and none of it published.
  {
    weight: 1,
    arbitrary: fc
      .tuple(validEvent, fc.integer({ min: 1000, max: 8000 }), fc.nat(), mangledEvent)
      .filter(([, , , bad]) => !isValid(() => checkEvent(bad)))
      .map(([e, n, at, bad]) => {
        const batch: unknown[] = Array.from({ length: n }, () => e);
        batch.splice(at % n, 0, bad);
        return JSON.stringify(batch);
      }),
  },
  // Over the body limit, of events or of numbers.
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((mib) => JSON.stringify(Array(mib * 300_000).fill(1))) },
  // Not JSON at all, or cut short.
  {
    weight: 1,
    arbitrary: fc.oneof(
      unicode,
      anyJson.map((v) => JSON.stringify(v).slice(0, -1)),
    ),
  },
  // Pollution keys at the top, and nested in the payload.
  {
    weight: 2,
    arbitrary: fc
      .tuple(validEvent, fc.constantFrom(...POLLUTERS), fc.boolean())
      .map(([e, key, nested]) =>
        JSON.stringify(
          nested ? { ...e, payload: withKey({}, key, { polluted: true }) } : withKey({ ...e }, key, { polluted: true }),
        ),
      ),
  },
);

const state = fc.constantFrom('ACTIVE', 'DOWN', 'MAINTENANCE');
const hostName = fc.oneof(fc.string({ unit: 'binary', minLength: 0, maxLength: 120 }), fc.constantFrom(...POLLUTERS));
const stateOrJunk = fc.oneof({ weight: 5, arbitrary: state }, anyJson);
/** PUT /availability bodies (host names never those of the events, so nothing posted is paused). */
const availabilityBodies: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
  {
    weight: 6,
    arbitrary: fc
      .array(
        fc.tuple(
          hostName,
          fc.oneof(
            stateOrJunk,
            fc
              .array(fc.tuple(hostName, stateOrJunk), { maxLength: 4 })
              .map((vms) => vms.reduce((o, [k, v]) => withKey(o, k, v), {})),
          ),
        ),
        { maxLength: 4 },
      )
      .map((hosts) => JSON.stringify(hosts.reduce<Record<string, unknown>>((o, [k, v]) => withKey(o, k, v), {}))),
  },
  { weight: 1, arbitrary: deep },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1000, max: 50_000 })
      .map((n) =>
        JSON.stringify(
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i % 7 === 6 ? 'ASLEEP' : 'ACTIVE'])),
        ),
      ),
  },
  { weight: 1, arbitrary: unicode },
);

function isValid(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof InvalidInputError) return false;
    throw error;
  }
}

/** JSON text with a `__proto__` key, or a `constructor` key holding a `prototype` key: fastify refuses those. */
function poisoned(root: unknown): boolean {
  const stack = [root]; // no recursion: bodies nest 20,000 deep
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value)) {
      const ctor = (value as Record<string, unknown>).constructor;
      if (Object.hasOwn(value, '__proto__')) return true;
      if (
        Object.hasOwn(value, 'constructor') &&
        ctor !== null &&
        typeof ctor === 'object' &&
        Object.hasOwn(ctor, 'prototype')
      )
        return true;
    }
    for (const child of Object.values(value)) stack.push(child);
  }
  return false;
}

interface Expected {
  readonly status: number;
  readonly events?: FairEvent[];
}

/** What the service must answer to a body, from the body alone. */
function expectedAnswer(body: string, check: (value: unknown) => unknown, ok: number): Expected {
  if (Buffer.byteLength(body) > LIMIT) return { status: 413 };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { status: 400 };
  }
  if (poisoned(value)) return { status: 400 };
  if (!isValid(() => check(value))) return { status: 400 };
  return ok === 202 ? { status: 202, events: checkEvents(value) } : { status: ok };
}

const ERRORS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

describe.skipIf(amqpUrl === '')('REST bodies, fuzzed (real broker)', () => {
  const namespace = uniqueNamespace('fuzz');
  const ran: string[] = [];
  const bad: unknown[] = [];
  const published: string[] = [];
  const counts: Record<string, number> = {};
  let scheduler: Scheduler;
  let server: RestServer;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 8,
      // The generated ids are random and repeat now and then; an id names one event, so a repeat would be skipped
      // as a redelivery. That is the dedupe test's subject (dedupe.test.ts), not this one's: every accepted body runs.
      dedupeWindow: 0,
      handle: (event) => {
        if (!isValid(() => checkEvent(event))) bad.push(event);
        ran.push(JSON.stringify(event));
      },
    });
    server = await startRestServer(scheduler, { port: 0, token: TOKEN });
    await scheduler.start();
  });

  afterAll(async () => {
    await server?.close();
    await scheduler?.stop(5000);
  });

  const send = async (method: string, path: string, body: string) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, answer: (await response.json()) as Record<string, unknown> };
  };

  const answersAsDocumented =
    (method: string, path: string, check: (value: unknown) => unknown, ok: number) => async (body: string) => {
      const expected = expectedAnswer(body, check, ok);
      const { status, answer } = await send(method, path, body);
      const key = `${method} ${path} ${status}`;
      counts[key] = (counts[key] ?? 0) + 1;
      expect(status, body.slice(0, 200)).toBe(expected.status);
      if (status >= 400) {
        expect(answer.error).toBe(ERRORS[status]);
        expect(typeof answer.reason).toBe('string');
        if (status === 400) expect(typeof answer.field).toBe('string');
      } else if (expected.events !== undefined) {
        expect(answer).toEqual({ accepted: expected.events.length });
        published.push(...expected.events.map((e) => JSON.stringify(e)));
      } else {
        expect(answer).toHaveProperty('availability');
      }
    };

  it('answers every POST /events and PUT /availability body as documented; only valid events reach the broker', async () => {
    const started = Date.now();
    await fc.assert(fc.asyncProperty(eventBodies, answersAsDocumented('POST', '/events', checkEvents, 202)), {
      numRuns: 250,
    });
    await fc.assert(
      fc.asyncProperty(availabilityBodies, answersAsDocumented('PUT', '/availability', checkAvailability, 200)),
      { numRuns: 150 },
    );
    // Still up, and nothing polluted.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // What ran is exactly what was accepted, all of it valid; nothing waits or was dead-lettered.
    await waitFor(
      'every accepted event to run',
      () => ran.length >= published.length,
      20_000,
      () => ({
        ran: ran.length,
        published: published.length,
      }),
    );
    expect(bad).toEqual([]);
    expect([...ran].sort()).toEqual([...published].sort());
    const connection = await rawConnection();
    try {
      const t = topology({ namespace });
      expect(await queueDepth(connection, t.dead)).toBe(0);
      for (const host of HOSTS) expect(await queueDepth(connection, shardQueue(t, shardOf(host)))).toBe(0);
    } finally {
      await connection.close();
    }
    expect(scheduler.stats()).toMatchObject({ failed: 0, parked: 0 });
    console.log(
      `fuzz: ${JSON.stringify(counts)}; ${published.length} events accepted and run; ${Date.now() - started} ms`,
    );
  });
});
