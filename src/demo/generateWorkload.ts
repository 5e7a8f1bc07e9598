import type { DemoSettings } from './demoDefaults.js';
import { mulberry32 } from '../core/mulberry32.js';

/** One keyed event of the demo: an action for one policy of one VM of one compute host. */
export interface DemoEvent {
  /** 1..n, in arrival order. */
  readonly id: number;
  /** Index of the compute host, 0..hosts-1; host 0 is the noisy one. */
  readonly host: number;
  /** Index of the VM within its host. */
  readonly vm: number;
  /** Index of the policy (leaf queue) within its VM. */
  readonly policy: number;
  /** When the event arrives, in ms of virtual time. */
  readonly arrival: number;
  /** How long its action runs once dispatched, in ms of virtual time. */
  readonly duration: number;
}

/** Events over a cloud of `hosts × vms × policies` leaf queues: what a simulation replays. */
export interface Workload {
  readonly hosts: number;
  readonly vms: number;
  readonly policies: number;
  /** Sorted by arrival (ties in id order); ids unique. */
  readonly events: readonly DemoEvent[];
  /** The host whose events arrive in a burst, or `undefined` when none does. */
  readonly noisyHost: number | undefined;
}

/**
 * The demo's settings, plus the range of action durations. `concurrency` sizes the run: the quiet hosts trickle in
 * over about the time `concurrency` slots need for everything.
 */
export interface WorkloadOptions extends DemoSettings {
  /**
   * Shortest action, ms of virtual time.
   * @default 5
   */
  readonly minDuration?: number;
  /**
   * Longest action, ms of virtual time.
   * @default 50
   */
  readonly maxDuration?: number;
}

/** A generated workload and the numbers it was built from. */
export interface GeneratedWorkload extends Workload {
  /** Events in the burst, all of them on host 0. */
  readonly noisyEvents: number;
  /** The noisy host's events arrive in [0, burstEnd). */
  readonly burstEnd: number;
  /** The other hosts' events arrive in [0, horizon): about the run's length when every slot is busy. */
  readonly horizon: number;
  readonly minDuration: number;
  readonly maxDuration: number;
}

/**
 * Builds the demo's workload, the same for a given seed: host 0 (the noisy neighbour) gets `skew` of the events,
 * all arriving in a burst in the first tenth of the run, far faster than `concurrency` slots can serve them, so
 * a backlog builds up. The other hosts' events trickle in at random times over the whole run, well under the
 * capacity. Every event names a random VM and policy of its host and an action of random duration.
 *
 * With one host, the trickle goes to host 0 too.
 */
export function generateWorkload(options: WorkloadOptions): GeneratedWorkload {
  const { hosts, vms, policies, events: count, concurrency, skew, seed } = options;
  const minDuration = options.minDuration ?? 5;
  const maxDuration = options.maxDuration ?? 50;
  for (const [name, value] of Object.entries({ hosts, vms, policies, concurrency, minDuration })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`Expected \`events\` to be a non-negative integer, got ${count}`);
  if (!Number.isInteger(maxDuration) || maxDuration < minDuration) {
    throw new RangeError(`Expected \`maxDuration\` to be an integer from ${minDuration} up, got ${maxDuration}`);
  }
  if (!(skew >= 0 && skew < 1)) throw new RangeError(`Expected \`skew\` to be in [0, 1), got ${skew}`);

  const random = mulberry32(seed);
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

  const horizon = Math.max(1, Math.ceil((count * (minDuration + maxDuration)) / 2 / concurrency));
  const burstEnd = Math.max(1, Math.ceil(horizon / 10));
  const noisyEvents = Math.round(count * skew);

  type Draft = Omit<DemoEvent, 'id'>;
  const drafts: Draft[] = [];
  for (let i = 0; i < count; i++) {
    const noisy = i < noisyEvents;
    const host = noisy || hosts === 1 ? 0 : between(1, hosts - 1);
    drafts.push({
      host,
      vm: between(0, vms - 1),
      policy: between(0, policies - 1),
      arrival: between(0, (noisy ? burstEnd : horizon) - 1),
      duration: between(minDuration, maxDuration),
    });
  }
  drafts.sort((a, b) => a.arrival - b.arrival); // stable: ties keep the order they were drawn in
  const events = drafts.map((draft, index): DemoEvent => ({ id: index + 1, ...draft }));

  return {
    hosts,
    vms,
    policies,
    events,
    noisyHost: noisyEvents > 0 ? 0 : undefined,
    noisyEvents,
    burstEnd,
    horizon,
    minDuration,
    maxDuration,
  };
}
