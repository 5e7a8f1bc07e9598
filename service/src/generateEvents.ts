import { mulberry32 } from 'rxjs-fair';
import type { FairEvent } from './schemas.js';

export interface GenerateOptions {
  readonly hosts: number;
  readonly vms: number;
  readonly policies: number;
  readonly events: number;
  /**
   * Share of the events that go to the noisy host (`compute0`), in [0, 1); the rest are spread evenly.
   * @default 0
   */
  readonly skew?: number;
  /**
   * Seed of the pseudo-random choice of VM and policy.
   * @default 1
   */
  readonly seed?: number;
  /** Prefix of the ids. @default 'e' */
  readonly idPrefix?: string;
  /** Added to every event as `payload`. */
  readonly payload?: unknown;
}

const ACTIONS = ['heal', 'scale-out', 'scale-in', 'migrate', 'update'] as const;

/**
 * Generated load: `events` events over hosts `compute0..`, VMs `vm0..` and policies `policy0..`. With `skew`, that
 * share goes to `compute0`, first (a burst queued ahead of everybody else), and the others go round the other
 * hosts; without it, round all hosts.
 */
export function* generateEvents(options: GenerateOptions): Generator<FairEvent> {
  const { hosts, vms, policies, events, skew = 0, seed = 1, idPrefix = 'e', payload } = options;
  for (const [name, value] of Object.entries({ hosts, vms, policies })) {
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`Expected \`${name}\` to be a positive integer, got ${String(value)}`);
  }
  if (!Number.isInteger(events) || events < 0)
    throw new TypeError(`Expected \`events\` to be a non-negative integer, got ${String(events)}`);
  if (!(skew >= 0 && skew < 1))
    throw new TypeError(`Expected \`skew\` to be from 0 up to, not including, 1, got ${String(skew)}`);
  const next = mulberry32(seed);
  const random = (n: number): number => Math.floor(next() * n);
  const noisy = Math.round(events * skew);
  for (let i = 0; i < events; i++) {
    const host = i < noisy || hosts === 1 ? 0 : noisy === 0 ? i % hosts : 1 + ((i - noisy) % (hosts - 1));
    yield {
      id: `${idPrefix}${i + 1}`,
      host: `compute${host}`,
      vm: `vm${random(vms)}`,
      policy: `policy${random(policies)}`,
      action: ACTIONS[random(ACTIONS.length)] as string,
      ...(payload === undefined ? {} : { payload }),
    };
  }
}
