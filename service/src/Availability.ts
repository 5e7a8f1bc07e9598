import type { AvailabilityPatch, AvailabilityState } from './schemas.js';

/**
 * The seed's mapping, host -> VM -> state, as changes arrive. A VM runs only while its host and itself are both
 * ACTIVE; DOWN and MAINTENANCE pause it (its events are kept). Hosts and VMs never named are ACTIVE.
 *
 * A change names hosts: `{ "compute1": { "vm1": "DOWN" } }` sets the VMs it names and keeps the others;
 * `{ "compute3": "MAINTENANCE" }` sets the whole host and forgets the states of its VMs, so that
 * `{ "compute3": "ACTIVE" }` afterwards brings every VM of it back.
 */
export class Availability {
  /** Hosts with a state other than all-ACTIVE; those back to all-ACTIVE are dropped. */
  readonly #hosts = new Map<string, { state: AvailabilityState; vms: Map<string, AvailabilityState> }>();

  /** Applies a change and returns the hosts it named. */
  apply(patch: AvailabilityPatch): string[] {
    const touched: string[] = [];
    for (const [host, change] of Object.entries(patch)) {
      touched.push(host);
      const entry = this.#hosts.get(host) ?? {
        state: 'ACTIVE' as AvailabilityState,
        vms: new Map<string, AvailabilityState>(),
      };
      if (typeof change === 'string') {
        entry.state = change;
        entry.vms.clear();
      } else {
        for (const [vm, state] of Object.entries(change)) {
          if (state === 'ACTIVE') entry.vms.delete(vm);
          else entry.vms.set(vm, state);
        }
      }
      if (entry.state === 'ACTIVE' && entry.vms.size === 0) this.#hosts.delete(host);
      else this.#hosts.set(host, entry);
    }
    return touched;
  }

  /** The host's own state (a whole host DOWN or in MAINTENANCE). */
  hostState(host: string): AvailabilityState {
    return this.#hosts.get(host)?.state ?? 'ACTIVE';
  }

  /** The VM's state as it counts: its host's when the host is not ACTIVE. */
  vmState(host: string, vm: string): AvailabilityState {
    const entry = this.#hosts.get(host);
    if (entry === undefined) return 'ACTIVE';
    if (entry.state !== 'ACTIVE') return entry.state;
    return entry.vms.get(vm) ?? 'ACTIVE';
  }

  isHostActive(host: string): boolean {
    return this.hostState(host) === 'ACTIVE';
  }

  isRunnable(host: string, vm: string): boolean {
    return this.vmState(host, vm) === 'ACTIVE';
  }

  /** The non-ACTIVE part of the mapping, in the contract's shape. */
  toJSON(): Record<string, AvailabilityState | Record<string, AvailabilityState>> {
    const out: Record<string, AvailabilityState | Record<string, AvailabilityState>> = {};
    for (const [host, { state, vms }] of this.#hosts) out[host] = state !== 'ACTIVE' ? state : Object.fromEntries(vms);
    return out;
  }
}
