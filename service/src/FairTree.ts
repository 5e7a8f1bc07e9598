import {
  BoundedFifoQueue,
  FifoQueue,
  PriorityQueue,
  QueueSource,
  RoundRobinQueue,
  type QueueNode,
  type Dropped,
  type RateLimit,
} from 'rxjs-fair';

/** What an operator sets on the tree (the library's caps, weights and bounds, by depth). */
export interface FairTreeOptions<T> {
  /** Most items dispatched and not yet finished below each host at once. @default Infinity */
  readonly hostCap?: number;
  /** Most items dispatched and not yet finished below each VM at once. @default Infinity */
  readonly vmCap?: number;
  /** Most items dispatched per interval below each host (a bucket per host). @default none */
  readonly hostRate?: RateLimit;
  /** Most items dispatched per interval below each VM (a bucket per VM). @default none */
  readonly vmRate?: RateLimit;
  /** Policies whose leaf keeps only the newest item (a `'latest'` bound): each one replaced goes to `conflated`. */
  readonly latest?: ReadonlySet<string>;
  /** Told of each item replaced by a newer one of its leaf (required with `latest`). */
  readonly conflated?: (dropped: Dropped<T>) => void;
  /**
   * Priority levels of each VM's items (0 first): a VM serves its first level with an item queued. 1: none.
   * @default 1
   */
  readonly levels?: number;
  /** With levels: at least one of every `every` dispatches of a VM goes to its lower levels (the library's). */
  readonly every?: number;
}

interface VmBranch<T> {
  readonly node: RoundRobinQueue<T, string> | PriorityQueue<T, number>;
  /** Items dispatched from it and not yet finished. */
  running: number;
  /** Paused in its parent because orphans fill its cap (see `FairTree`). */
  blocked: boolean;
  /** The policies' leaves of each level (one level, the VM's node itself, without priorities). */
  readonly levels: readonly PolicyLeaves<T>[];
}

interface PolicyLeaves<T> {
  readonly node: RoundRobinQueue<T, string>;
  readonly leaves: Map<string, FifoQueue<T>>;
}

interface HostBranch<T> {
  readonly node: RoundRobinQueue<T, string>;
  readonly vms: Map<string, VmBranch<T>>;
  /** Items queued below it: counted here, as the intake asks for every item (the node's `size` walks its tree). */
  queued: number;
  /** Paused in the root because orphans fill its cap (see `FairTree`). */
  blocked: boolean;
}

/** An item dispatched, from the branches it was in: given back to `finished` when its action ends. */
export interface Running {
  readonly host: string;
  readonly vm: string;
  readonly hostBranch: object | undefined;
  readonly vmBranch: object | undefined;
}

/** Actions still running of a host's branches handed back: counted against the caps of its branches made since. */
interface Orphans {
  host: number;
  readonly vms: Map<string, number>;
}

/**
 * The scheduler's in-memory backlog: a tree host -> VM -> policy of the library's core nodes (`RoundRobinQueue`s over
 * `FifoQueue` leaves), built by hand and dispatched by `fairMergeMap` through a `QueueSource`: pipe `source` into it.
 * Branches are added as items arrive, handed back whole when a VM or host is paused (`deleteVm`, `deleteHost`), and
 * removed by `sweep` once idle. A branch is a handful of plain objects (no Observable or subscription per leaf), as
 * the scheduler builds one for every host it serves. The dispatch tells the tree of each item it takes (`dispatched`)
 * and of its end (`finished`), so that `queued(host)` is a counter, and so that caps hold across a pause: a branch
 * handed back while actions of it run no longer counts them (the core's `delete` releases a deleted child's active
 * count), so until they end they are orphans, counted here against the caps of the host's and VM's new branches (a
 * lower cap, or the branch paused while they fill it).
 *
 * With priority levels, each VM is a `PriorityQueue` over its levels, each a `RoundRobinQueue` of policies: below the
 * VM, so that its cap holds over all its actions, and so that an urgent item overtakes its own VM's routine backlog
 * but not another host's or VM's turn (marking actions urgent buys a host no share of the others').
 */
export class FairTree<T> {
  readonly root = new RoundRobinQueue<T, string>();
  /** What `fairMergeMap` pulls from: the root, and the count of what is queued below it. */
  readonly source = new QueueSource<T>(this.root as RoundRobinQueue<T, unknown>);
  readonly #hosts = new Map<string, HostBranch<T>>();
  readonly #hostCap: number;
  readonly #vmCap: number;
  readonly #hostRate: RateLimit | undefined;
  readonly #vmRate: RateLimit | undefined;
  readonly #latest: ReadonlySet<string>;
  /** Told of each item a `latest` leaf replaces. */
  readonly #conflated: ((dropped: Dropped<T>) => void) | undefined;
  /** The bound of a `latest` policy's leaf (one item, a newer one replaces it), shared by every such leaf. */
  readonly #latestBound: { size: 1; overflow: 'latest'; onDrop: (event: T) => void } | undefined;
  /** The item being pushed: what a `latest` leaf's drop was replaced by. */
  #pushing: { host: string; vm: string; policy: string; item: T } | undefined;
  /** Host weights other than 1, kept for hosts that have no branch yet (or whose branch is swept). */
  readonly #weights = new Map<string, number>();
  readonly #orphans = new Map<string, Orphans>();
  readonly #levels: number;
  readonly #every: number;

  constructor(options: FairTreeOptions<T> = {}) {
    const { hostCap = Infinity, vmCap = Infinity, hostRate, vmRate, latest = new Set<string>(), conflated } = options;
    const { levels = 1, every = Infinity } = options;
    if (!Number.isInteger(levels) || levels < 1)
      throw new TypeError(`Expected \`levels\` to be a positive integer, got ${String(levels)}`);
    if (latest.size > 0 && conflated === undefined) throw new TypeError('Expected `conflated` with `latest` policies');
    this.#levels = levels;
    this.#every = every;
    this.#hostCap = hostCap;
    this.#vmCap = vmCap;
    this.#hostRate = hostRate;
    this.#vmRate = vmRate;
    this.#latest = latest;
    this.#conflated = conflated;
    this.#latestBound = conflated === undefined ? undefined : { size: 1, overflow: 'latest', onDrop: this.#replaced };
  }

  /** A `latest` leaf replaced its item with the one being pushed. */
  readonly #replaced = (event: T): void => {
    const pushing = this.#pushing as { host: string; vm: string; policy: string; item: T };
    const hostBranch = this.#hosts.get(pushing.host);
    if (hostBranch !== undefined) hostBranch.queued--;
    const path = [pushing.host, pushing.vm, pushing.policy];
    this.#conflated?.({ event, reason: 'latest', path, replacedBy: pushing.item });
  };

  /** Sets a host's weight (turns in a row at the front of the rotation); 1 is the default. */
  setWeight(host: string, weight: number): void {
    if (weight === 1) this.#weights.delete(host);
    else this.#weights.set(host, weight);
    if (this.#hosts.has(host)) this.root.setWeight(host, weight);
  }

  /** Queues an item under its host, VM and policy (at its priority level), creating the branch it needs. */
  push(host: string, vm: string, policy: string, item: T, level = 0): void {
    // Checked first: a branch made for an item refused would stay.
    if (!(level >= 0 && level < this.#levels))
      throw new RangeError(`Expected a level from 0 to ${this.#levels - 1}, got ${level}`);
    let hostBranch = this.#hosts.get(host);
    if (hostBranch === undefined) {
      const node = new RoundRobinQueue<T, string>();
      if (this.#hostCap !== Infinity) node.setCap(this.#hostCap);
      hostBranch = { node, vms: new Map(), queued: 0, blocked: false };
      this.#hosts.set(host, hostBranch);
      const weight = this.#weights.get(host);
      this.root.add(host, node, weight === undefined ? undefined : { weight });
      if (this.#hostRate !== undefined) this.source.setRate(node, this.#hostRate);
    }
    let vmBranch = hostBranch.vms.get(vm);
    if (vmBranch === undefined) {
      vmBranch = this.#vmBranch();
      hostBranch.vms.set(vm, vmBranch);
      hostBranch.node.add(vm, vmBranch.node);
      if (this.#vmRate !== undefined) this.source.setRate(vmBranch.node, this.#vmRate);
      if (this.#orphans.has(host)) this.#fitCaps(host);
    }
    const policies = vmBranch.levels[level] as PolicyLeaves<T>;
    let leaf = policies.leaves.get(policy);
    if (leaf === undefined) {
      const bound = this.#latest.has(policy) ? this.#latestBound : undefined;
      leaf = bound === undefined ? new FifoQueue<T>() : new BoundedFifoQueue<T>(bound);
      policies.leaves.set(policy, leaf);
      policies.node.add(policy, leaf);
    }
    hostBranch.queued++; // before: an item it replaces is counted off as it goes
    if (leaf instanceof BoundedFifoQueue) this.#pushing = { host, vm, policy, item };
    this.source.push(leaf, item);
    this.#pushing = undefined;
  }

  /** An item was dispatched (the projection tells, for each): no longer queued, running until `finished`. */
  dispatched(host: string, vm: string): Running {
    const hostBranch = this.#hosts.get(host);
    const vmBranch = hostBranch?.vms.get(vm);
    if (hostBranch !== undefined) hostBranch.queued--;
    if (vmBranch !== undefined) vmBranch.running++;
    return { host, vm, hostBranch, vmBranch };
  }

  /** The action of an item `dispatched` ended (the projection completed). */
  finished(running: Running): void {
    const { host, vm, hostBranch, vmBranch } = running;
    const liveHost = this.#hosts.get(host);
    if (liveHost !== undefined && liveHost === hostBranch && liveHost.vms.get(vm) === vmBranch) {
      (vmBranch as VmBranch<T>).running--;
      return;
    }
    // An orphan: its branch was handed back while it ran.
    const orphans = this.#orphans.get(host);
    if (orphans === undefined) return;
    orphans.host--;
    const left = (orphans.vms.get(vm) ?? 1) - 1;
    if (left > 0) orphans.vms.set(vm, left);
    else orphans.vms.delete(vm);
    if (orphans.host <= 0) this.#orphans.delete(host);
    this.#fitCaps(host);
  }

  /** A VM's branch: its policies, or with levels a `PriorityQueue` over a `RoundRobinQueue` of policies per level. */
  #vmBranch(): VmBranch<T> {
    if (this.#levels === 1) {
      const node = new RoundRobinQueue<T, string>();
      if (this.#vmCap !== Infinity) node.setCap(this.#vmCap);
      return { node, levels: [{ node, leaves: new Map() }], running: 0, blocked: false };
    }
    const node = new PriorityQueue<T, number>(undefined, { cap: this.#vmCap, every: this.#every });
    const levels = Array.from({ length: this.#levels }, (_, level) => {
      const policies = new RoundRobinQueue<T, string>();
      node.add(level, policies);
      return { node: policies, leaves: new Map<string, FifoQueue<T>>() };
    });
    return { node, levels, running: 0, blocked: false };
  }

  /** Removes a VM's branch; returns its items not yet dispatched, oldest first per policy. */
  deleteVm(host: string, vm: string): T[] {
    const hostBranch = this.#hosts.get(host);
    if (hostBranch === undefined || !hostBranch.vms.has(vm)) return [];
    const vmBranch = hostBranch.vms.get(vm) as VmBranch<T>;
    hostBranch.vms.delete(vm);
    const items = this.source.delete(hostBranch.node, vm);
    hostBranch.queued -= items.length;
    // Its running actions no longer count in the host's node either (the core released them): orphans.
    this.#orphan(host, vm, vmBranch.running);
    return items;
  }

  /** Removes a host's branch; returns its items not yet dispatched. */
  deleteHost(host: string): T[] {
    const hostBranch = this.#hosts.get(host);
    if (hostBranch === undefined) return [];
    this.#hosts.delete(host);
    for (const [vm, vmBranch] of hostBranch.vms) this.#orphan(host, vm, vmBranch.running);
    return this.source.delete(this.root, host);
  }

  #orphan(host: string, vm: string, running: number): void {
    if (running === 0) return;
    let orphans = this.#orphans.get(host);
    if (orphans === undefined) this.#orphans.set(host, (orphans = { host: 0, vms: new Map() }));
    orphans.host += running;
    orphans.vms.set(vm, (orphans.vms.get(vm) ?? 0) + running);
  }

  /** Sets the caps of a host's branches to what its orphans leave free (pausing a branch they fill). */
  #fitCaps(host: string): void {
    const hostBranch = this.#hosts.get(host);
    if (hostBranch === undefined) return;
    const orphans = this.#orphans.get(host);
    this.#fit(this.root, host, hostBranch, this.#hostCap - (orphans?.host ?? 0));
    for (const [vm, vmBranch] of hostBranch.vms)
      this.#fit(hostBranch.node, vm, vmBranch, this.#vmCap - (orphans?.vms.get(vm) ?? 0));
  }

  #fit(
    parent: RoundRobinQueue<T, string>,
    key: string,
    branch: { readonly node: QueueNode<T>; blocked: boolean },
    cap: number,
  ): void {
    if (cap === Infinity) return; // no cap to keep
    if (cap <= 0) {
      if (!branch.blocked) parent.pause(key);
      branch.blocked = true;
      return;
    }
    // Through the source: a raised cap or a resumed branch may make events ready, and the dispatch must pull them.
    this.source.setCap(branch.node, cap);
    if (branch.blocked) this.source.resume(parent, key);
    branch.blocked = false;
  }

  /** Removes every branch; returns every item not yet dispatched. */
  clear(): T[] {
    const items: T[] = [];
    for (const host of [...this.#hosts.keys()]) for (const item of this.deleteHost(host)) items.push(item);
    return items;
  }

  /** Items of a host queued (not yet dispatched). */
  queued(host: string): number {
    return this.#hosts.get(host)?.queued ?? 0;
  }

  /** Hosts that have a branch. */
  hosts(): IterableIterator<string> {
    return this.#hosts.keys();
  }

  /** VMs of a host that have a branch. */
  vms(host: string): string[] {
    return [...(this.#hosts.get(host)?.vms.keys() ?? [])];
  }

  /**
   * Removes the branches of VMs with nothing queued and nothing running, and hosts left without VMs: memory follows
   * the backlog. A VM whose action still runs keeps its branch, whose caps count it.
   */
  sweep(): void {
    for (const [host, hostBranch] of this.#hosts) {
      for (const [vm, vmBranch] of hostBranch.vms) {
        if (vmBranch.node.size === 0 && vmBranch.running === 0) {
          hostBranch.vms.delete(vm);
          this.source.delete(hostBranch.node, vm);
        }
      }
      if (hostBranch.vms.size === 0) this.deleteHost(host);
    }
  }

  /** Items queued in memory (not yet dispatched), by host and VM. */
  counts(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    // `forEach` rather than `for...of`: this runs seldom, unoptimised, where each entry read is an array or two.
    this.#hosts.forEach((hostBranch, host) => {
      // Its counter says whether anything is queued: most branches a sweep has not removed yet hold nothing.
      if (hostBranch.queued === 0) return;
      const vms: Record<string, number> = {};
      for (const [vm, vmBranch] of hostBranch.vms) {
        const queued = vmBranch.node.size; // counted over the VM's few policy leaves
        if (queued > 0) vms[vm] = queued;
      }
      if (Object.keys(vms).length > 0) out[host] = vms;
    });
    return out;
  }
}
