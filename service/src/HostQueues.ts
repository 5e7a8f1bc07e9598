import { OWN_SYNC_TIMEOUT_MS, type ControlStream } from './ControlStream.js';
import type { Session } from './BrokerConnection.js';
import { declareOnce } from './declareOnce.js';
import { assertEventQueue, hostQueue, type Topology } from './topology.js';

/**
 * The hosts' backlog queues: a host's events are moved there out of its shard while the host is paused or holds
 * more than its share of the scheduler's memory, so that they never stand in front of another host's events. A
 * host has a queue per lane: `<ns>.host.<host>` for its routine events, and `<ns>.level<i>.<host>` for those of
 * priority level i, so that an urgent event is never moved behind routine ones. Once a lane has a queue, every later
 * event of it goes there too (its order is kept); its shard's scheduler consumes the host's queues while the host is
 * ACTIVE, until they are drained: then they are deleted (retired), and the host's events stay in its shard again.
 * Which hosts have which queues is shared by every scheduler through the control stream: a queue is announced there
 * when it is declared, and a host's queues are retired there together.
 *
 * An event's level is 0 first; `routine`, the lowest, is the level of the actions no priority level names. A queue
 * is known by its `Lane`: the level in its name, or `undefined` for the routine queue (so that a queue announced
 * under other levels, before a change of settings, is still consumed and drained).
 */
export class HostQueues {
  /** The lanes of each host whose queue was announced on the control stream. */
  readonly #announced = new Map<string, Set<Lane>>();
  /** The lanes of each host that this process moves to their queue, announced or not yet. */
  readonly #marked = new Map<string, Set<Lane>>();

  constructor(
    readonly topology: Topology,
    /** The level of the actions that no priority level names. */
    readonly routine = 0,
  ) {}

  /** Records a queue announced on the control stream; false if it was known already. */
  add(host: string, lane: Lane): boolean {
    return addTo(this.#announced, host, lane);
  }

  /** From now on, the host's events of this level go to their queue (before the announcement is read back). */
  mark(host: string, level: number): void {
    addTo(this.#marked, host, this.#lane(level));
  }

  /** The host's queues are gone (retired, as the control stream says, or by this process). */
  remove(host: string): void {
    this.#announced.delete(host);
    this.#marked.delete(host);
  }

  /** Whether the host has a backlog queue. */
  has(host: string): boolean {
    return this.#announced.has(host) || this.#marked.has(host);
  }

  /** Whether the host's events of this level go to their queue (it has one). */
  hasLevel(host: string, level: number): boolean {
    const lane = this.#lane(level);
    return this.#announced.get(host)?.has(lane) === true || this.#marked.get(host)?.has(lane) === true;
  }

  /** The host's backlog queues, announced or marked. */
  queues(host: string): string[] {
    const lanes = new Set([...(this.#announced.get(host) ?? []), ...(this.#marked.get(host) ?? [])]);
    return [...lanes].map((lane) => hostQueue(this.topology, host, lane));
  }

  /** Hosts whose queues were announced on the control stream, each with its lanes (not those only marked). */
  announced(): IterableIterator<[string, ReadonlySet<Lane>]> {
    return this.#announced.entries();
  }

  /** Hosts with a backlog queue. */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.#announced.keys();
    for (const host of this.#marked.keys()) if (!this.#announced.has(host)) yield host;
  }

  /** The queue of the host's events of this level. */
  queue(host: string, level: number): string {
    return hostQueue(this.topology, host, this.#lane(level));
  }

  /** Declares the queue of a host's events of this level on a session's connection (once), and announces it. */
  declare(session: Session, host: string, level: number): Promise<void> {
    const lane = this.#lane(level);
    const queue = hostQueue(this.topology, host, lane);
    return declareOnce(session, queue, async () => {
      await assertEventQueue(session.confirm, this.topology, queue);
      if (this.#announced.get(host)?.has(lane) !== true) {
        const record = lane === undefined ? { host } : { host, level: lane };
        // Read back: a scheduler serving the host's shard next must know the queue, or its events would stay there.
        await (session.control as ControlStream).append(
          session.publisher,
          { type: 'host', ...record },
          OWN_SYNC_TIMEOUT_MS,
        );
      }
    });
  }

  #lane(level: number): Lane {
    return level >= this.routine ? undefined : level;
  }
}

/** A backlog queue of a host: the priority level in its name, or `undefined` for its routine events' queue. */
export type Lane = number | undefined;

function addTo(lanes: Map<string, Set<Lane>>, host: string, lane: Lane): boolean {
  let set = lanes.get(host);
  if (set === undefined) lanes.set(host, (set = new Set()));
  if (set.has(lane)) return false;
  set.add(lane);
  return true;
}
