// The events every case processes, and the worker that processes them.
//
// Events are `{ id, host, vm, policy }` with string keys taken from small tables (no per-event string), generated
// from a seeded PRNG (the library's mulberry32, from this tree's build: `npm run bench` builds it) before anything
// is timed, so every case of one cell sees the very same sequence.

import { mulberry32 } from '../dist/index.js';

/** Shapes of the grid: K leaves = hosts x VMs x policies. */
export const SHAPES = {
  3: { hosts: 3, vms: 1, policies: 1 },
  300: { hosts: 10, vms: 10, policies: 3 },
  30000: { hosts: 1000, vms: 10, policies: 3 },
};

/** Share of all events that goes to host 0 in the skewed distribution. */
export const SKEW = 0.9;

const POLICY_NAMES = ['heal', 'scaleOut', 'scaleIn', 'migrate', 'update'];

export function names(shape) {
  return {
    hosts: Array.from({ length: shape.hosts }, (_, h) => `compute${h}`),
    vms: Array.from({ length: shape.vms }, (_, v) => `vm${v}`),
    policies: Array.from({ length: shape.policies }, (_, p) => POLICY_NAMES[p] ?? `policy${p}`),
  };
}

/**
 * Generates `n` events. `dist` is 'uniform' (every leaf equally likely) or 'skewed' (host 0 gets 90 %, the
 * rest spread evenly over the other hosts; VM and policy uniform within a host).
 *
 * Returns the events, and for each event its leaf index `(host * vms + vm) * policies + policy` (cases that
 * push into leaf Subjects or leaf queues look the leaf up there, as a user holding the leaves would).
 */
export function generate(shape, dist, n, seed = 20171) {
  const { hosts, vms, policies } = shape;
  const nm = names(shape);
  const rand = mulberry32(seed ^ (hosts * 7919 + vms * 104729 + policies) ^ (dist === 'skewed' ? 0x5bd1e995 : 0));
  const events = new Array(n);
  const leafOf = new Int32Array(n);
  for (let id = 0; id < n; id++) {
    let h;
    if (dist === 'skewed') h = rand() < SKEW || hosts === 1 ? 0 : 1 + Math.floor(rand() * (hosts - 1));
    else h = Math.floor(rand() * hosts);
    const v = Math.floor(rand() * vms);
    const p = Math.floor(rand() * policies);
    events[id] = { id, host: nm.hosts[h], vm: nm.vms[v], policy: nm.policies[p] };
    leafOf[id] = (h * vms + v) * policies + p;
  }
  return { events, leafOf, names: nm };
}

// ---------------------------------------------------------------------------------------------------------------
// The worker. Module-level state keeps the call sites monomorphic and free of closures over per-run state. The
// sum lives in a Float64Array: past 2^30 a module-level `let` would hold a boxed double and allocate on each `+=`.

const acc = new Float64Array(1);
let count = 0;
/** When set (fairness runs), `waits[id]` receives the dispatch ordinal of each event. */
let waits = null;

/** The one resolved Promise every async worker returns (what `async (e) => { sum += e.id }` amounts to). */
const RESOLVED = Promise.resolve(undefined);

export function resetCounters(recordWaits = null) {
  count = 0;
  acc[0] = 0;
  waits = recordWaits;
}

export function readCounters() {
  return { count, sum: acc[0] };
}

/** Async worker: `sum += id`, returns a resolved Promise. */
export function work(e) {
  if (waits !== null) waits[e.id] = count;
  acc[0] += e.id;
  count++;
  return RESOLVED;
}

/** Synchronous consumer of an event. */
export function consume(e) {
  acc[0] += e.id;
  count++;
}

/** Synchronous consumer of an id (after `map(e => e.id)`). */
export function consumeId(id) {
  acc[0] += id;
  count++;
}

/** Throws unless exactly the events with ids 0..n-1 were processed once each (count and sum of ids). */
export function verify(n, label) {
  const expectedSum = (n * (n - 1)) / 2;
  const sum = acc[0];
  if (count !== n || sum !== expectedSum) {
    throw new Error(
      `VERIFY FAILED (${label}): processed ${count} events with id sum ${sum}; expected ${n} and ${expectedSum}`,
    );
  }
}
