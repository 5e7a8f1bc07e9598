import type { WaitPercentiles } from 'rxjs-fair';
import { WaitWindow } from './WaitWindow.js';

/** One host's dispatches: how many so far, how many run now (and on which VMs), and how long they waited. */
export interface HostActivity {
  /** Events dispatched since the scheduler started (or since the host was last forgotten, idle for two windows). */
  readonly dispatched: number;
  /** Actions running now. */
  readonly active: number;
  /** Actions running now, by VM (VMs with none left out). */
  readonly activeByVm: Readonly<Record<string, number>>;
  /** Waits (ms) from the moment the scheduler received an event to its dispatch, over the last 30 to 60 s. */
  readonly waits: WaitPercentiles | null;
  /**
   * Waits (ms) from the moment the producer published an event to its dispatch (end to end: in the broker, then in
   * the scheduler), over the last 30 to 60 s; events published without a time are not counted.
   */
  readonly endToEnd: WaitPercentiles | null;
}

interface HostEntry {
  dispatched: number;
  /** When it last dispatched (ms, the clock of `dispatched`'s `now`). */
  lastAt: number;
  active: number;
  readonly activeByVm: Map<string, number>;
  readonly waits: WaitWindow;
  readonly endToEnd: WaitWindow;
}

/**
 * What the scheduler records per host as it dispatches (for the dashboard): O(1) per dispatch and per finished
 * action, at most about 64 KB per host (two `WaitWindow`s: four `WaitSketch`es, small until a host has many waits) and a
 * count per VM that ran an action. A host idle for two windows is forgotten (`prune`): its waits have left the windows,
 * and memory follows the hosts busy lately, not every host ever served. Reading it (`snapshot`) is O(those hosts).
 */
export class DispatchStats {
  readonly #hosts = new Map<string, HostEntry>();
  readonly #windowMs: number;
  #total = 0;

  /** @param windowMs the wait windows' length: percentiles cover the last `windowMs` to `2 * windowMs`. */
  constructor(windowMs = 30_000) {
    this.#windowMs = windowMs;
  }

  /**
   * An event of `host`/`vm` was dispatched after waiting `waitMs` in the scheduler (and `endToEndMs` since it was
   * published, when known); its action starts now.
   */
  dispatched(host: string, vm: string, waitMs: number, now: number, endToEndMs?: number): void {
    let entry = this.#hosts.get(host);
    if (entry === undefined) {
      const windowMs = this.#windowMs;
      entry = {
        dispatched: 0,
        lastAt: now,
        active: 0,
        activeByVm: new Map(),
        waits: new WaitWindow(windowMs),
        endToEnd: new WaitWindow(windowMs),
      };
      this.#hosts.set(host, entry);
    }
    if (endToEndMs !== undefined) entry.endToEnd.record(endToEndMs, now);
    entry.dispatched++;
    entry.lastAt = now;
    entry.active++;
    this.#total++;
    entry.activeByVm.set(vm, (entry.activeByVm.get(vm) ?? 0) + 1);
    entry.waits.record(waitMs, now);
  }

  /** The action of an event of `host`/`vm` that `dispatched` counted has finished (whatever its outcome). */
  finished(host: string, vm: string): void {
    const entry = this.#hosts.get(host);
    if (entry === undefined) return;
    entry.active--;
    // A VM down to 0 keeps its entry (left out of `snapshot`): deleting it and adding it back at the next dispatch
    // made the Map shrink and grow again, an allocation per action.
    entry.activeByVm.set(vm, Math.max(0, (entry.activeByVm.get(vm) ?? 1) - 1));
  }

  /** Events dispatched since the start, forgotten hosts' included. */
  get total(): number {
    return this.#total;
  }

  /** Forgets the hosts with nothing running that dispatched nothing for two windows (their waits are all gone). */
  prune(now: number): void {
    const idle = 2 * this.#windowMs;
    for (const [host, entry] of this.#hosts)
      if (entry.active <= 0 && now - entry.lastAt > idle) this.#hosts.delete(host);
  }

  /** Every host that dispatched something lately (see `prune`), by host. */
  snapshot(now: number): Map<string, HostActivity> {
    const out = new Map<string, HostActivity>();
    for (const [host, entry] of this.#hosts) {
      out.set(host, {
        dispatched: entry.dispatched,
        active: entry.active,
        activeByVm: runningVms(entry.activeByVm),
        waits: entry.waits.summary(now),
        endToEnd: entry.endToEnd.summary(now),
      });
    }
    return out;
  }
}

/** The VMs with actions running, and how many each. */
function runningVms(activeByVm: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [vm, active] of activeByVm) if (active > 0) out[vm] = active;
  return out;
}
