import type { ConsumeMessage } from 'amqplib';
import { Subject, Subscription, type Observable } from 'rxjs';
import { RateLimit, fairMergeMap, type FairSnapshot } from 'rxjs-fair';
import type { Settles } from './Acknowledger.js';
import { Availability } from './Availability.js';
import { BrokerConnection, type Session } from './BrokerConnection.js';
import { brokerUrls, type BrokerUrls } from './connectBroker.js';
import { Completions } from './Completions.js';
import { Consumers } from './Consumers.js';
import { publishSnapshot, type ControlSnapshot } from './ControlSnapshot.js';
import { ControlStream, type ControlMessage } from './ControlStream.js';
import type { Delivery, Source } from './Delivery.js';
import { DispatchStats, type HostActivity } from './DispatchStats.js';
import { FairStatsWatch } from './FairStatsWatch.js';
import { FairTree } from './FairTree.js';
import { HostQueues } from './HostQueues.js';
import { onOwnChannel } from './onOwnChannel.js';
import { orLate } from './orLate.js';
import { ParkedQueues } from './ParkedQueues.js';
import {
  ActionTimeoutError,
  MAX_ACTION_TIMEOUT,
  runAction,
  type ActionResult,
  type EventHandler,
} from './runAction.js';
import {
  checkAvailability,
  checkWeights,
  parseEvent,
  type WeightsPatch,
  type AvailabilityPatch,
  type AvailabilityState,
  type FairEvent,
} from './schemas.js';
import { Settlement, type SettlementCounts } from './Settlement.js';
import type { QueueDepths } from './statsStream.js';
import { schedulerId } from './schedulerId.js';
import { ShardOwnership } from './ShardOwnership.js';
import {
  HEARTBEAT_SECONDS,
  SHARDS,
  headers,
  isHostQueue,
  parkedQueue,
  shardOf,
  shardQueue,
  topology,
  type Topology,
  type TopologyOptions,
} from './topology.js';

export interface SchedulerOptions extends TopologyOptions {
  /**
   * The broker, `amqp://user:password@host:port`; for a cluster, its nodes (a list, or URLs separated by commas):
   * the scheduler connects to the first that answers and moves to another when it loses one.
   */
  readonly url: BrokerUrls;
  readonly handle: EventHandler;
  /**
   * Most actions running at once ("max parallel executions").
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Messages fetched ahead from each queue (each host backlog queue and parked queue; a shard 4 × as many), and the
   * most events of one host held in memory from its shard: a host with more has the rest moved to its own backlog
   * queue, out of the other hosts' way. More moves a noisy backlog out of a shard faster and costs the broker less per
   * event, but holds more events in memory, which costs short actions (the service manual has the figures).
   * @default the concurrency, at most 64
   */
  readonly prefetch?: number;
  /**
   * How long an action may run, in ms: one still running then is a failed attempt (retried, then dead-lettered
   * with the reason), its slot goes to the next event, and its handler's `signal` aborts with an
   * `ActionTimeoutError`. At most 2,147,483,647 (about 24.8 days).
   * @default 600000 (10 minutes)
   */
  readonly actionTimeout?: number;
  /**
   * Most actions running at once for one host and for one VM (the library's caps, per depth): `{ host: 2, vm: 1 }`
   * never runs two actions of one VM together. A host or VM at its cap is skipped, and the others keep every free
   * slot busy. They hold across schedulers: a host is served by one scheduler at a time (its shard's).
   * @default no caps
   */
  readonly caps?: { readonly host?: number; readonly vm?: number };
  /**
   * Most actions started per interval (ms) for one host and for one VM (the library's `RateLimit`, a token bucket
   * per host and per VM, at an even pace: bursts of one): `{ host: { limit: 5, interval: 1000 } }` starts an action
   * of a host at most every 200 ms, so at most 5 in any second. A host or VM waiting for its token is skipped, and
   * the others keep every free slot busy. Like caps, they hold across schedulers.
   * @default no rates
   */
  readonly rate?: { readonly host?: RateSpec; readonly vm?: RateSpec };
  /**
   * Slots of `concurrency` an event takes, by its action (the library's `cost`); actions not named take 1. An
   * event waits until that many slots are free, and nothing overtakes it. `{ migrate: 4 }`.
   * @default every action takes 1
   */
  readonly cost?: Readonly<Record<string, number>>;
  /**
   * Policies that carry a state rather than a request (the newest event says it all): each VM queues at most one
   * event of such a policy, a newer one replacing it; the one replaced is acknowledged and counted `conflated`.
   * @default none
   */
  readonly latest?: readonly string[];
  /**
   * Priority levels by action, most urgent first (`levels: [['heal', 'evacuate'], ['migrate']]`); actions no level
   * names come last (routine). A VM's next action is from its first level with an event waiting, so an urgent one
   * never waits behind its VM's routine backlog, in memory or in the broker (each level of a busy host has a backlog
   * queue of its own); it still waits for its host's and its VM's turns, and caps count every level. `every: n`:
   * at least one of every n actions of a VM goes to its lower levels while one waits (the library's anti-starvation).
   * @default none: every action is routine
   */
  readonly priority?: { readonly levels: readonly (readonly string[])[]; readonly every?: number };
  /**
   * How long after an event was done its redelivery is recognised and not run again, in ms (0: never; every
   * redelivery runs). The ids done are shared by every scheduler through the `<ns>.done` stream, kept an hour, so
   * at most 3,600,000.
   * @default 600000 (10 minutes)
   */
  readonly dedupeWindow?: number;
  /**
   * Where warnings go (a lost broker, a failed park).
   * @default a line on stderr
   */
  readonly log?: (line: string) => void;
}

/** A rate: at most `limit` actions started per `interval` ms (bursts of `limit` after a quiet spell). */
export interface RateSpec {
  readonly limit: number;
  readonly interval: number;
}

/** An event dispatched: its action starts now, after `waitMs` in the scheduler. */
export interface Dispatch {
  readonly host: string;
  readonly vm: string;
  /** From the moment the scheduler received the event to its dispatch, in ms. */
  readonly waitMs: number;
  /** From the moment the producer published it to its dispatch, in ms, if the producer said when. */
  readonly endToEndMs: number | undefined;
}

/** What the scheduler has done since it started; `queued` is what it holds in memory, by host and VM. */
export interface SchedulerStats extends SettlementCounts {
  readonly consuming: boolean;
  readonly concurrency: number;
  /** This scheduler process, as the control stream's shard records name it. */
  readonly id: string;
  /** The shards it serves now (of `SHARDS`): their hosts' events run here. */
  readonly shards: readonly number[];
  /** Hosts with a backlog queue of their own (a paused or busy host's events, moved out of its shard). */
  readonly hosts: number;
  readonly queued: Record<string, Record<string, number>>;
  readonly active: number;
  /** Events dispatched since the scheduler started. */
  readonly dispatched: number;
  /** Host weights other than 1 (turns in a row at the front of the rotation), from `PUT /weights`. */
  readonly weights: Record<string, number>;
  readonly availability: Record<string, AvailabilityState | Record<string, AvailabilityState>>;
}

/**
 * The scheduler service: serves the shards the broker gives it (`ShardOwnership`: one scheduler per shard at a time,
 * spread evenly over the live ones), queues their events in a fair tree (host -> VM -> policy) and runs
 * `handle(event)` for them with `fairMergeMap` under `concurrency`. A message is acknowledged only once its action
 * finished (at-least-once: a crash loses nothing); a failed action is retried with backoff through the broker, then
 * dead-lettered with the reason; a malformed message is dead-lettered at once.
 *
 * A host holds at most `prefetch` events in memory from its shard: beyond that, and while it is paused, its events
 * are moved to its own backlog queue, so that they never stand in front of another host's. Availability comes from
 * the control stream (shared and durable): a paused VM's events are parked in its own queue, so they hold none of
 * the host's prefetch, and come back once it is ACTIVE.
 *
 * A lost connection is re-established with backoff, and consuming starts over (what was in memory is redelivered
 * by the broker).
 */
export class Scheduler {
  readonly topology: Topology;
  /** The shards' queue names, made once: each message names its queue, and is checked against its host's. */
  readonly #shardQueues: readonly string[];
  readonly concurrency: number;
  readonly prefetch: number;
  readonly actionTimeout: number;
  readonly availability = new Availability();

  readonly #options: SchedulerOptions;
  readonly #log: (line: string) => void;
  /** This process, in the control stream's shard records. */
  readonly id = schedulerId();
  /** The VMs that have a parked queue. */
  readonly #parked: ParkedQueues;
  /** The hosts that have a backlog queue. */
  readonly #hostQueues: HostQueues;
  /** The shards this scheduler serves. */
  readonly #ownership: ShardOwnership;
  /** Records of the control stream read since the newest snapshot this scheduler knows, and its own threshold. */
  #sinceSnapshot = 0;
  readonly #snapshotEvery = 1000 + Math.floor(Math.random() * 1000);
  #snapshotting = false;
  /** Hosts whose backlog queue is being retired: their shard's events wait for the outcome. */
  readonly #retiring = new Map<string, Promise<boolean>>();
  readonly #retireTimers = new Map<string, NodeJS.Timeout>();
  /** The last delivery waiting for a look at the done stream, if any: later ones wait their turn behind it. */
  #intake: Promise<void> | undefined;
  /** The ids of the actions running (with dedupe on). */
  readonly #runningIds = new Set<string>();
  /** Actions running, by shard, across sessions: a shard is let go of once its count is 0. */
  readonly #running = new Array<number>(SHARDS).fill(0);
  /** What each session consumes of the hosts' own queues as shards and availability change. */
  readonly #consumers: Consumers;
  /** The broker, one session at a time, reconnected when lost. */
  readonly #connection: BrokerConnection;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** Actions running, across sessions, and who waits for them to finish. */
  #active = 0;
  /** Actions done whose message waits for its record in the done stream before its ack. */
  #recording = 0;
  #idle: (() => void)[] = [];
  /** Acks, retries, dead letters, parking: how each message taken ends, and the counts of each. */
  readonly #settlement: Settlement;
  /** The ids done lately, by every scheduler, across connections (absent with `dedupeWindow: 0`). */
  readonly #completions: Completions | undefined;
  /** Host weights from the control stream (other than 1), applied to each session's tree. */
  readonly #weights = new Map<string, number>();
  readonly #caps: { readonly host: number; readonly vm: number };
  readonly #rates: { readonly host: RateLimit | undefined; readonly vm: RateLimit | undefined };
  readonly #cost: ((delivery: Delivery) => number) | undefined;
  readonly #latest: ReadonlySet<string>;
  /** The priority level of each action named (0 first), the count of levels, and `every`. */
  readonly #levels: ActionLevels;
  /** Per host: dispatches, running actions, waits (what the dashboard shows). */
  readonly #dispatchStats = new DispatchStats();
  /** Each dispatch, while anyone listens (the metrics' wait histogram). */
  readonly #dispatches = new Subject<Dispatch>();
  readonly #dispatches$ = this.#dispatches.asObservable();
  /** Pinged when something `stats()` or `activity()` tell has changed, while anyone listens. */
  readonly #changes = new Subject<void>();
  readonly #changes$ = this.#changes.asObservable();

  constructor(options: SchedulerOptions) {
    const { url, handle, concurrency = 16, actionTimeout = 600_000 } = options;
    const urls = brokerUrls(url);
    if (typeof handle !== 'function') throw new TypeError(`Expected \`handle\` to be a function, got ${typeof handle}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be a positive integer, got ${String(concurrency)}`);
    }
    const prefetch = options.prefetch ?? Math.min(concurrency, 64);
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
      throw new TypeError(`Expected \`prefetch\` to be an integer from 1 to 65535, got ${String(prefetch)}`);
    }
    if (!Number.isInteger(actionTimeout) || actionTimeout < 1 || actionTimeout > MAX_ACTION_TIMEOUT) {
      throw new TypeError(
        `Expected \`actionTimeout\` to be an integer from 1 to ${MAX_ACTION_TIMEOUT} ms, got ${String(actionTimeout)}`,
      );
    }
    const { host = Infinity, vm = Infinity } = options.caps ?? {};
    checkLimit(host, '`caps.host`');
    checkLimit(vm, '`caps.vm`');
    this.#caps = { host, vm };
    this.#rates = { host: rateLimit(options.rate?.host, '`rate.host`'), vm: rateLimit(options.rate?.vm, '`rate.vm`') };
    this.#cost = costOf(options.cost);
    this.#latest = new Set(checkNames(options.latest ?? [], '`latest`'));
    this.#levels = actionLevels(options.priority);
    const { dedupeWindow = 600_000 } = options;
    if (!Number.isInteger(dedupeWindow) || dedupeWindow < 0 || dedupeWindow > 3_600_000) {
      throw new TypeError(
        `Expected \`dedupeWindow\` to be an integer from 0 to 3600000 ms, got ${String(dedupeWindow)}`,
      );
    }
    this.topology = topology(options);
    this.#shardQueues = Array.from({ length: SHARDS }, (_, shard) => shardQueue(this.topology, shard));
    this.#completions =
      dedupeWindow === 0 ? undefined : new Completions(this.topology, { windowMs: dedupeWindow, maxIds: 1_000_000 });
    this.concurrency = concurrency;
    this.actionTimeout = actionTimeout;
    this.prefetch = prefetch;
    this.#options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#parked = new ParkedQueues(this.topology);
    this.#hostQueues = new HostQueues(this.topology, this.#levels.count - 1);
    this.#settlement = new Settlement(this.topology, this.#parked, this.#hostQueues, this.#log, () => this.#changed());
    this.#ownership = new ShardOwnership({
      topology: this.topology,
      id: this.id,
      // A scheduler cut off notices within three heartbeats and stops dispatching; what it started ends within the
      // action timeout.
      takeoverDelay: actionTimeout + 3 * HEARTBEAT_SECONDS * 1000,
      running: (shard) => this.#running[shard] ?? 0,
      deliver: (session, shard, message, acks) =>
        this.#receive(session, this.#shardQueues[shard] as string, 'shard', message, acks),
      served: (session, shard) => this.#consumers.shard(session, shard),
      log: this.#log,
      changed: () => this.#changed(),
    });
    this.#consumers = new Consumers({
      id: this.id,
      topology: this.topology,
      availability: this.availability,
      hostQueues: this.#hostQueues,
      parkedQueues: this.#parked,
      settlement: this.#settlement,
      serves: (host) => this.#ownership.serves(shardOf(host)),
      receive: (session, queue, source, message) =>
        this.#receive(session, queue, source, message, session.consumerAcks),
      log: this.#log,
      changed: () => this.#changed(),
    });
    this.#connection = new BrokerConnection({
      urls,
      topology: this.topology,
      prefetch,
      completions: this.#completions,
      log: this.#log,
      setup: {
        dispatch: () => this.#dispatch(),
        control: (session, message, offset) => {
          this.#onControl(session, message);
          this.#recorded(session, offset);
        },
        snapshot: (session, snapshot) => this.#applySnapshot(session, snapshot),
        consume: (session) => this.#consume(session),
      },
    });
  }

  /**
   * Whether it is consuming from the broker now, every queue it should (what `GET /health` tells): false while it
   * connects or reconnects, and while a consumer the broker cancelled is not back yet.
   */
  get consuming(): boolean {
    const { state, session } = this.#connection;
    return state === 'running' && session?.live === true && !session.closed && session.cancelled.size === 0;
  }

  /**
   * Emits (synchronously, no value) each time something that `stats()` or `activity()` tell may have changed: an
   * event received, dispatched or settled, an availability change. Many a second under load: throttle it (the
   * dashboard's `statsStream` does). Costs nothing while nobody subscribes.
   */
  get changes(): Observable<void> {
    return this.#changes$;
  }

  /** Each event as it is dispatched, with its wait (synchronously). Costs nothing while nobody subscribes. */
  get dispatches(): Observable<Dispatch> {
    return this.#dispatches$;
  }

  /** The shards it serves now (their hosts' events run here). */
  get shards(): readonly number[] {
    return this.#ownership.served();
  }

  /**
   * Connects, declares the topology, reads the control stream up to now (hosts, parked queues, availability) and
   * starts consuming. Resolves once it consumes; rejects with a one-line reason if the broker cannot be used.
   */
  async start(): Promise<void> {
    if (!(await this.#connection.start())) return; // stopped while starting: stop() closes the session
    this.#sweepTimer = setInterval(() => {
      const session = this.#connection.session;
      const now = performance.now();
      session?.tree.sweep();
      this.#dispatchStats.prune(now);
      session?.fairStats.closeUnread(now, UNREAD_WINDOW_MS);
    }, 10_000);
    this.#sweepTimer.unref();
  }

  /**
   * Stops taking messages, hands back what it holds in memory (requeued in the broker), waits for the running
   * actions to finish (at most `timeoutMs`; the signals of those still running then abort, and their events are
   * requeued when the connection closes) and the moves to backlog queues under way (at most 5 s), and disconnects.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!(await this.#connection.stopping())) return;
    clearInterval(this.#sweepTimer);
    const session = this.#connection.session;
    let served: number[] = [];
    if (session !== undefined && !session.closed) {
      session.live = false;
      // Out of the shards' lines first: the schedulers that take them wait until this one says it let go.
      served = await this.#ownership.leaveAll(session);
      await this.#consumers.cancelAll(session);
      for (const delivery of session.tree.clear()) this.#settlement.nack(delivery);
    }
    this.#ownership.stop();
    await this.#whenIdle(timeoutMs);
    // Moves under way wait for their confirm (bounded: a broker that blocks publishers would never give it).
    await orLate(this.#settlement.whenMoved(), MOVES_TIMEOUT_MS);
    if (session !== undefined && !session.closed) await this.#ownership.sayLeft(session, served, 0);
    await this.#connection.stopped(session, 'the scheduler is stopping');
  }

  /** Publishes events (each confirmed by the broker before this resolves): the REST path into the same queues. */
  async publishEvents(events: Iterable<FairEvent>): Promise<number> {
    return this.#connection.usable().events.publishAll(events);
  }

  /**
   * Puts an availability change in force: appended to the control stream (durable, seen by every scheduler) and
   * applied here before this resolves, so an event dispatched afterwards sees it.
   */
  async setAvailability(patch: AvailabilityPatch): Promise<void> {
    checkAvailability(patch);
    const session = this.#connection.usable();
    // Applied as it is read back from the stream, in the stream's order, like every other scheduler does: applying
    // it here first could be undone for a moment by an older change still on its way.
    await (session.control as ControlStream).append(session.publisher, { type: 'availability', patch });
    await Promise.all(Object.keys(patch).map((host) => this.#consumers.reconciled(host)));
  }

  /**
   * Sets host weights (`{ compute1: 3 }`: three turns in a row; 1 is the default): appended to the control stream
   * (durable, applied by every scheduler) and in force here before this resolves, as availability is.
   */
  async setWeights(patch: WeightsPatch): Promise<void> {
    checkWeights(patch);
    const session = this.#connection.usable();
    await (session.control as ControlStream).append(session.publisher, { type: 'weights', weights: patch });
  }

  /**
   * Messages waiting in the broker: in the shards (all hosts), by host in its backlog queue, and by parked VM
   * (`host/vm`). One round trip per queue, so at most 1,000 backlog and parked queues are looked at (`omitted`: how
   * many more there are).
   */
  async queueDepths(): Promise<QueueDepths> {
    const session = this.#connection.usable();
    return onOwnChannel(session.connection, async (channel) => {
      let shards = 0;
      const hosts: Record<string, number> = {};
      const parked: Record<string, number> = {};
      let looks = 0;
      let omitted = 0;
      const look = async (queue: string): Promise<number | undefined> => {
        if (looks++ >= 1000) {
          omitted++;
          return undefined;
        }
        return (await channel.checkQueue(queue)).messageCount;
      };
      for (let shard = 0; shard < SHARDS; shard++)
        shards += (await channel.checkQueue(shardQueue(this.topology, shard))).messageCount;
      for (const host of this.#hostQueues) {
        for (const queue of this.#hostQueues.queues(host)) {
          const depth = await look(queue);
          if (depth !== undefined) hosts[host] = (hosts[host] ?? 0) + depth;
        }
      }
      for (const [host, vms] of this.#parked.byHost()) {
        for (const vm of vms) {
          const depth = await look(parkedQueue(this.topology, host, vm));
          if (depth !== undefined) parked[`${host}/${vm}`] = depth;
        }
      }
      return omitted === 0 ? { shards, hosts, parked } : { shards, hosts, parked, omitted };
    });
  }

  /**
   * Per host that dispatched anything since the start: events dispatched, actions running (by VM), and the waits
   * from receiving an event to dispatching it (percentiles over the last 30 to 60 s). From memory only: O(hosts).
   */
  activity(): Map<string, HostActivity> {
    return this.#dispatchStats.snapshot(performance.now());
  }

  /**
   * The library's `FairStats` snapshot of the dispatch (`GET /stats` shows it as `library`): queued and active per
   * host and VM, and per host the dispatches and wait percentiles (receipt to dispatch, ms) since the previous call,
   * with Jain's index over the busy hosts. Events are timed only while someone asks: the first call (and the first
   * after a minute without one, or on a new connection) starts the window, and has no dispatches yet. `null` before
   * the first connection.
   */
  fairSnapshot(): FairSnapshot | null {
    return this.#connection.session?.fairStats.read(performance.now()) ?? null;
  }

  stats(): SchedulerStats {
    return {
      consuming: this.consuming,
      concurrency: this.concurrency,
      id: this.id,
      shards: this.#ownership.served(),
      hosts: [...this.#hostQueues].length,
      queued: this.#connection.session?.tree.counts() ?? {},
      active: this.#active,
      dispatched: this.#dispatchStats.total,
      ...this.#settlement.counts,
      weights: Object.fromEntries(this.#weights),
      availability: this.availability.toJSON(),
    };
  }

  // --- dispatch ---------------------------------------------------------------------------------------------

  /**
   * A new session's fair tree (host -> VM -> policy) and the dispatch from it: `fairMergeMap` runs `#run` for each
   * delivery under `concurrency`. One FairStats per session (a session's operator never meets the previous one's),
   * watched while `fairSnapshot` is asked for.
   */
  #dispatch(): Pick<Session, 'tree' | 'subscription' | 'fairStats'> {
    const tree = new FairTree<Delivery>({
      hostCap: this.#caps.host,
      vmCap: this.#caps.vm,
      ...(this.#rates.host === undefined ? {} : { hostRate: this.#rates.host }),
      ...(this.#rates.vm === undefined ? {} : { vmRate: this.#rates.vm }),
      latest: this.#latest,
      levels: this.#levels.count,
      every: this.#levels.every,
      conflated: ({ event: replaced }) => this.#settlement.conflate(replaced),
    });
    for (const [host, weight] of this.#weights) tree.setWeight(host, weight);
    const fairStats = new FairStatsWatch<Delivery>();
    const subscription = new Subscription(() => fairStats.close());
    subscription.add(
      tree.source
        .pipe(
          fairMergeMap((delivery: Delivery) => this.#run(delivery), {
            concurrency: this.concurrency,
            stats: fairStats.stats,
            ...(this.#cost === undefined ? {} : { cost: this.#cost }),
          }),
        )
        .subscribe({ error: (error: unknown) => this.#log(`rxjs-fair: dispatch failed: ${String(error)}`) }),
    );
    return { tree, subscription, fairStats };
  }

  /**
   * Starts consuming on a session that just became live: in every shard's line; the hosts' own queues follow as
   * shards are served. The shards a lost session served are let go of once their actions end.
   */
  async #consume(session: Session): Promise<void> {
    const lost = this.#ownership.served();
    await this.#ownership.attach(session);
    if (lost.length > 0) void this.#ownership.sayLeft(session, lost, this.actionTimeout);
  }

  // --- control stream -----------------------------------------------------------------------------------------

  /**
   * Counts the records read since the newest snapshot this scheduler knows, and appends a new snapshot after a
   * thousand or so (each scheduler at its own count, so that they seldom write together; two that do write two
   * snapshots, both right).
   */
  #recorded(session: Session, offset: number): void {
    if (!Number.isInteger(offset) || ++this.#sinceSnapshot < this.#snapshotEvery || this.#snapshotting) return;
    this.#snapshotting = true;
    const snapshot: ControlSnapshot = {
      type: 'snapshot',
      offset,
      availability: this.availability.toJSON(),
      weights: Object.fromEntries(this.#weights),
      ...announcedQueues(this.#hostQueues),
      parked: Object.fromEntries([...this.#parked.byHost()].map(([host, vms]) => [host, [...vms]])),
      shards: this.#ownership.holders(),
    };
    void publishSnapshot(session.publisher, this.topology, snapshot).then(
      () => {
        this.#sinceSnapshot = 0;
        this.#snapshotting = false;
      },
      () => (this.#snapshotting = false), // tried again after the next record
    );
  }

  /**
   * The registry as the newest snapshot tells it, before the records after it (the first session only); false, and
   * nothing applied, if it is not valid.
   */
  #applySnapshot(session: Session, snapshot: ControlSnapshot): boolean {
    let availability: AvailabilityPatch;
    let weights: WeightsPatch;
    try {
      availability = checkAvailability(snapshot.availability);
      weights = checkWeights(snapshot.weights);
      const names = (value: unknown) => Array.isArray(value) && value.every((name) => typeof name === 'string');
      const { hosts, levels = {}, parked, shards } = snapshot as Partial<ControlSnapshot>;
      if (!names(hosts) || parked === null || typeof parked !== 'object' || !Object.values(parked).every(names))
        throw new TypeError('hosts or parked VMs are not lists of names');
      if (levels === null || typeof levels !== 'object' || !Object.values(levels).every(isLevels))
        throw new TypeError('the levels of backlog queues are not lists of levels');
      if (!Array.isArray(shards) || !shards.every((s) => Number.isInteger(s?.shard) && typeof s.by === 'string'))
        throw new TypeError('shards are not a list of holders');
    } catch (error) {
      // Written by a scheduler of this service, so not expected: said, and the whole stream is read instead.
      this.#log(`rxjs-fair: skipped the control stream's snapshot at ${snapshot.offset}: ${(error as Error).message}`);
      return false;
    }
    this.availability.apply(availability);
    for (const [host, weight] of Object.entries(weights)) {
      this.#weights.set(host, weight);
      session.tree.setWeight(host, weight);
    }
    for (const host of snapshot.hosts) this.#hostQueues.add(host, undefined);
    for (const [host, levels] of Object.entries(snapshot.levels ?? {}))
      for (const level of levels) this.#hostQueues.add(host, level);
    for (const [host, vms] of Object.entries(snapshot.parked)) for (const vm of vms) this.#parked.add(host, vm);
    for (const { shard, by, left } of snapshot.shards) {
      this.#ownership.record({ type: 'shard', shard, state: 'taken', by });
      if (left) this.#ownership.record({ type: 'shard', shard, state: 'left', by });
    }
    this.#sinceSnapshot = 0;
    return true;
  }

  #onControl(session: Session, message: ControlMessage): void {
    switch (message.type) {
      case 'shard':
        this.#ownership.record(message);
        return;
      case 'retired':
        // Its own are applied as they happen: read back, one could undo a later move of the host's events.
        if (typeof message.host === 'string' && message.by !== this.id)
          this.#consumers.retireHost(session, message.host);
        return;
      case 'host':
        if (typeof message.host === 'string' && (message.level === undefined || isLevels([message.level])))
          this.#consumers.addHost(session, message.host, message.level);
        return;
      case 'parked':
        if (typeof message.host === 'string' && typeof message.vm === 'string')
          this.#consumers.addParked(session, message.host, message.vm);
        return;
      case 'weights':
        try {
          for (const [host, weight] of Object.entries(checkWeights(message.weights))) {
            if (weight === 1) this.#weights.delete(host);
            else this.#weights.set(host, weight);
            session.tree.setWeight(host, weight);
          }
          this.#changed();
        } catch (error) {
          this.#log(`rxjs-fair: skipped an invalid weights change on the control stream: ${(error as Error).message}`);
        }
        return;
      case 'availability':
        try {
          this.#applyAvailability(checkAvailability(message.patch));
        } catch (error) {
          this.#log(
            `rxjs-fair: skipped an invalid availability change on the control stream: ${(error as Error).message}`,
          );
        }
        return;
    }
  }

  #applyAvailability(patch: AvailabilityPatch): void {
    const session = this.#connection.session;
    for (const host of this.availability.apply(patch)) {
      if (session?.live !== true) continue;
      void this.#consumers.reconcile(session, host);
      this.#consumers.handBack(session, host); // now, before what is still on its way arrives
    }
    this.#changed();
  }

  // --- messages -----------------------------------------------------------------------------------------------

  /**
   * Takes a message consumed, to be settled by `channel` (what it came on): dead-letters it if it is no valid event of
   * its queue, else on its way to the tree.
   */
  #receive(session: Session, queue: string, source: Source, message: ConsumeMessage, channel: Settles): void {
    let event: FairEvent;
    try {
      event = parseEvent(message.content);
    } catch (error) {
      const received = { message, queue, session, channel, settled: false, held: false };
      if (source === 'host') this.#settlement.hold(received);
      void this.#settlement.malformed(received, `malformed: ${(error as Error).message}`);
      return;
    }
    // The Delivery in one object, made once the event is valid: no second object merged into the first.
    const delivery: Delivery = {
      message,
      queue,
      session,
      channel,
      settled: false,
      held: false,
      event,
      source,
      level: this.#levels.of(event.action),
      received: performance.now(),
      published: publishedAt(message),
    };
    // A backlog queue is retired only once nothing taken from it is left unsettled.
    if (source === 'host') this.#settlement.hold(delivery);
    const expected =
      source === 'shard'
        ? queue === this.#shardQueues[shardOf(event.host)]
        : source === 'host'
          ? isHostQueue(this.topology, queue, event.host)
          : queue === parkedQueue(this.topology, event.host, event.vm);
    if (!expected) {
      void this.#settlement.malformed(
        delivery,
        `misrouted: the event names host "${event.host}", VM "${event.vm}", but came from ${queue}`,
      );
      return;
    }
    if (!session.live || this.#connection.state === 'stopping') return this.#settlement.nack(delivery);
    const completions = this.#completions;
    if (completions === undefined) return this.#take(delivery);
    // A first delivery is looked up among the ids done at its dispatch (`#begin`), not twice, unless a copy already
    // done could replace a newer event of its leaf (a `latest` policy).
    const { redelivered } = message.fields;
    const inTurn = !redelivered && this.#intake === undefined;
    if (inTurn && !this.#latest.has(event.policy)) return this.#take(delivery);
    if (completions.has(event.id)) return this.#settlement.skip(delivery);
    if (inTurn) return this.#take(delivery);
    // Redelivered: another scheduler may have done it a moment ago; read the done stream up to now first. What
    // arrives meanwhile waits its turn behind it, so that each queue's order is kept.
    const synced = redelivered ? completions.sync() : undefined;
    const turn = Promise.all([this.#intake, synced]).then(
      () => (completions.has(event.id) ? this.#settlement.skip(delivery) : this.#take(delivery)),
      () => this.#settlement.nack(delivery),
    );
    this.#intake = turn;
    void turn.then(() => {
      if (this.#intake === turn) this.#intake = undefined;
    });
  }

  /**
   * Queues a received event in the tree, or moves it out of the way: out of its shard into its host's backlog queue
   * of its level when there is one (its older events of the level are there), the host is paused, or it holds its
   * share of memory already; into its VM's parked queue when the VM is paused.
   */
  #take(delivery: Delivery): void {
    const { event, source, session, level } = delivery;
    const { host, vm } = event;
    if (delivery.settled) return;
    if (!session.live || this.#connection.state === 'stopping') return this.#settlement.nack(delivery);
    // A host's own queues are consumed only while its shard is served here: one let go of meanwhile takes them back.
    if (source !== 'shard' && !this.#ownership.serves(shardOf(host))) return this.#consumers.nackLater(delivery);
    const retiring = this.#retiring.get(host);
    if (source === 'shard' && retiring !== undefined) {
      // Whether it goes to the backlog queue depends on whether that queue is still there.
      void retiring.then(() => this.#take(delivery));
      return;
    }
    if (
      source === 'shard' &&
      (this.#hostQueues.hasLevel(host, level) ||
        !this.availability.isHostActive(host) ||
        session.tree.queued(host) >= this.prefetch)
    ) {
      this.#hostQueues.mark(host, level);
      void this.#settlement.divert(delivery);
      return;
    }
    if (!this.availability.isRunnable(host, vm)) {
      // Paused while this message was on its way: a host's queue is being cancelled, a parked one too.
      void this.#putBack(delivery);
      return;
    }
    session.tree.push(event.host, event.vm, event.policy, delivery, level);
    this.#changed();
  }

  /**
   * Puts back an event whose host or VM is paused, keeping its VM's order: into the queue it came from, whose head
   * it goes back to (the broker delivers returned messages first) once its consumer is cancelled, when that queue is
   * paused with it; else into its VM's parked queue, ahead of the VM's later events, which follow it there.
   */
  async #putBack(delivery: Delivery): Promise<void> {
    const { source, event } = delivery;
    if (source === 'parked' || (source === 'host' && !this.availability.isHostActive(event.host)))
      this.#consumers.nackLater(delivery);
    else await this.#settlement.park(delivery);
  }

  /**
   * The projection: runs the action and settles the message, telling the tree when it was dispatched and when it
   * ended. Never rejects (that would end the dispatch). What it does before and after the action is in `#begin` and
   * `#ended`: a suspended async function keeps its whole frame, so a small one allocates less per event.
   */
  async #run(delivery: Delivery): Promise<void> {
    const { event, session } = delivery;
    const { tree } = session;
    const running = tree.dispatched(event.host, event.vm);
    // Every path settles within the try, so the tree hears of the end only after it.
    try {
      // A session that is ending starts nothing: the broker takes its messages back.
      if (!session.live) return;
      if (!this.availability.isRunnable(event.host, event.vm)) return await this.#putBack(delivery);
      const action = this.#begin(delivery);
      if (action === undefined) return;
      const failed = this.#ended(delivery, await action);
      if (failed !== undefined) await failed;
    } finally {
      tree.finished(running);
    }
  }

  /** Starts an event's action, counted as running; `undefined` for a second copy of an event, skipped. */
  #begin(delivery: Delivery): Promise<ActionResult> | undefined {
    const { event, session } = delivery;
    const completions = this.#completions;
    if (completions !== undefined) {
      // A second copy (an event moved out of its shard, then redelivered there after a lost connection) is skipped
      // here too: it may have been taken while the first was still running.
      if (completions.has(event.id) || this.#runningIds.has(event.id)) {
        this.#settlement.skip(delivery);
        return undefined;
      }
      this.#runningIds.add(event.id);
    }
    this.#active++;
    (this.#running[shardOf(event.host)] as number)++;
    const now = performance.now();
    // End to end from the producer's clock: skew between the machines adds to it (a negative wait counts as 0).
    const endToEndMs = delivery.published === undefined ? undefined : Math.max(0, Date.now() - delivery.published);
    this.#dispatchStats.dispatched(event.host, event.vm, now - delivery.received, now, endToEndMs);
    if (this.#dispatches.observed)
      this.#dispatches.next({ host: event.host, vm: event.vm, waitMs: now - delivery.received, endToEndMs });
    this.#changed();
    return runAction(this.#options.handle, event, this.actionTimeout, session.end.signal);
  }

  /** Settles an event whose action ended; a failed attempt's settling, to wait for, if it failed. */
  #ended(delivery: Delivery, result: ActionResult): Promise<void> | undefined {
    const { event, session } = delivery;
    this.#active--;
    (this.#running[shardOf(event.host)] as number)--;
    this.#runningIds.delete(event.id);
    this.#dispatchStats.finished(event.host, event.vm);
    if (this.#hostQueues.has(event.host)) this.#retireLater(session, event.host);
    const completions = this.#completions;
    if (result.ok && completions !== undefined) {
      // Recorded before the ack, so that a redelivery finds the record if the ack is lost. The slot is free
      // meanwhile: the message is still held (within the prefetch) until its record is confirmed.
      this.#recording++;
      completions.record(event.id, () => {
        this.#recording--;
        this.#settlement.done(delivery);
        this.#checkIdle();
      });
      return undefined;
    }
    this.#checkIdle();
    if (result.ok) this.#settlement.done(delivery);
    // Interrupted because the scheduler stops or lost the broker: not the action's failure, it runs again.
    else if (!(result.reason instanceof ActionTimeoutError) && session.end.signal.aborted)
      this.#settlement.nack(delivery);
    else return this.#settlement.fail(delivery, result.reason);
    return undefined;
  }

  /**
   * Retires a host's backlog queue once the host is back to what its shard can hold: when nothing of it is left in
   * memory (checked `RETIRE_AFTER_MS` after its last action, and again while its last messages settle).
   */
  #retireLater(session: Session, host: string): void {
    if (this.#retireTimers.has(host)) return;
    const timer = setTimeout(() => {
      this.#retireTimers.delete(host);
      if (session.closed || !this.#hostQueues.has(host) || session.tree.queued(host) > 0) return;
      const unsettled = this.#hostQueues.queues(host).some((queue) => this.#settlement.unsettled(session, queue) > 0);
      if (this.#settlement.moving(host) > 0 || unsettled) {
        this.#retireLater(session, host);
        return;
      }
      const retiring = this.#consumers.retire(session, host);
      this.#retiring.set(host, retiring);
      void retiring.then(() => this.#retiring.delete(host));
    }, RETIRE_AFTER_MS);
    timer.unref();
    this.#retireTimers.set(host, timer);
  }

  /** Tells `changes`, while anyone listens. */
  #changed(): void {
    if (this.#changes.observed) this.#changes.next();
  }

  /** Wakes `stop()` once no action runs and every action done is acknowledged (or given up with its session). */
  #checkIdle(): void {
    if (this.#active === 0 && this.#recording === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #whenIdle(timeoutMs: number): Promise<void> {
    if (this.#active === 0 && this.#recording === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * How long a host with a backlog queue has nothing in memory before the queue is retired: long enough that a host
 * busy in bursts keeps its queue (each retirement and new queue is a record in the control stream).
 */
const RETIRE_AFTER_MS = 2000;

/** How long a stopping scheduler waits for its moves to backlog queues under way before it closes its channels. */
const MOVES_TIMEOUT_MS = 5000;

/** How long the library's stats window may stay open with nobody reading it (`fairSnapshot`) before it is closed. */
const UNREAD_WINDOW_MS = 60_000;

/** A rate of `rate` checked where it enters (the library's `RateLimit` says what is wrong), or none. */
function rateLimit(rate: RateSpec | undefined, what: string): RateLimit | undefined {
  if (rate === undefined) return undefined;
  if (rate === null || typeof rate !== 'object')
    throw new TypeError(`Expected ${what} to be { limit, interval }, got ${String(rate)}`);
  try {
    // An even pace (bursts of one), so that any window of one interval sees at most `limit` starts.
    return new RateLimit({ limit: rate.limit, interval: rate.interval, burst: 1 });
  } catch (error) {
    throw new TypeError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Checks a limit of `caps` where it enters: a positive integer, or Infinity for none. */
function checkLimit(limit: unknown, what: string): asserts limit is number {
  if (typeof limit !== 'number' || !(limit === Infinity || (Number.isInteger(limit) && limit >= 1)))
    throw new TypeError(`Expected ${what} to be a positive integer (or Infinity), got ${String(limit)}`);
}

/** Priority levels by action, as the scheduler applies them. */
interface ActionLevels {
  /** Levels in all: those named, then the routine one. */
  readonly count: number;
  readonly every: number;
  /** An action's level (0 first; the routine one for an action no level names). */
  of(action: string): number;
}

/** The `priority` option checked where it enters: levels of distinct actions, and `every` as the library takes it. */
function actionLevels(priority: SchedulerOptions['priority']): ActionLevels {
  if (priority === undefined) return { count: 1, every: Infinity, of: () => 0 };
  if (priority === null || typeof priority !== 'object')
    throw new TypeError(`Expected \`priority\` to be { levels, every }, got ${String(priority)}`);
  const { levels, every = Infinity } = priority;
  if (!Array.isArray(levels) || levels.length === 0)
    throw new TypeError(`Expected \`priority.levels\` to be a non-empty array of arrays of actions`);
  const byAction = new Map<string, number>();
  levels.forEach((actions, level) => {
    const what = `\`priority.levels[${level}]\``;
    if (!Array.isArray(actions) || actions.length === 0)
      throw new TypeError(`Expected ${what} to be a non-empty array of actions, got ${JSON.stringify(actions)}`);
    for (const action of checkNames(actions, what)) {
      if (byAction.has(action)) throw new TypeError(`Expected each action in one level, got "${action}" twice`);
      byAction.set(action, level);
    }
  });
  if (typeof every !== 'number' || !(every === Infinity || (Number.isInteger(every) && every >= 2)))
    throw new TypeError(`Expected \`priority.every\` to be an integer from 2 up, or Infinity, got ${String(every)}`);
  const routine = levels.length;
  return { count: routine + 1, every, of: (action) => byAction.get(action) ?? routine };
}

/** The lanes of the announced backlog queues, as a snapshot keeps them. */
function announcedQueues(hostQueues: HostQueues): Pick<ControlSnapshot, 'hosts' | 'levels'> {
  const hosts: string[] = [];
  const levels: Record<string, number[]> = {};
  for (const [host, lanes] of hostQueues.announced()) {
    for (const lane of lanes) {
      if (lane === undefined) hosts.push(host);
      else (levels[host] ??= []).push(lane);
    }
  }
  return { hosts, levels };
}

function isLevels(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((level) => Number.isInteger(level) && level >= 0 && level < 1000);
}

/** The library's `cost` option from slots by action: `undefined` when every action takes one slot. */
function costOf(cost: Readonly<Record<string, number>> | undefined): ((delivery: Delivery) => number) | undefined {
  if (cost === undefined) return undefined;
  if (cost === null || typeof cost !== 'object')
    throw new TypeError(`Expected \`cost\` to be an object, got ${String(cost)}`);
  const slots = new Map<string, number>();
  for (const [action, n] of Object.entries(cost)) {
    if (!Number.isInteger(n) || n < 1)
      throw new TypeError(`Expected \`cost.${action}\` to be a positive integer, got ${String(n)}`);
    if (n !== 1) slots.set(action, n);
  }
  return slots.size === 0 ? undefined : (delivery) => slots.get(delivery.event.action) ?? 1;
}

function checkNames(names: readonly unknown[], what: string): string[] {
  if (!Array.isArray(names)) throw new TypeError(`Expected ${what} to be an array of names, got ${String(names)}`);
  for (const name of names)
    if (typeof name !== 'string' || name === '')
      throw new TypeError(`Expected ${what} to hold non-empty names, got ${JSON.stringify(name)}`);
  return names as string[];
}

/** The publish time a producer of this service stamps on an event (ms since the epoch), if any. */
function publishedAt(message: ConsumeMessage): number | undefined {
  const value = message.properties.headers?.[headers.published] as unknown;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
