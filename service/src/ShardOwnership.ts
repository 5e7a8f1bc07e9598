import type { ConsumeMessage } from 'amqplib';
import type { Acknowledger, Settles } from './Acknowledger.js';
import type { Session } from './BrokerConnection.js';
import { OWN_SYNC_TIMEOUT_MS, publishControl, type ControlStream, type ShardRecord } from './ControlStream.js';
import { onOwnChannel } from './onOwnChannel.js';
import { isGoneFromThisMachine } from './schedulerId.js';
import { SHARDS, assertSchedulersQueue, assertShardQueue, headers, shardQueue, type Topology } from './topology.js';

/**
 * Where this scheduler stands with a shard, on the current session:
 * - `waiting`: in the shard's line of consumers (single active consumer), not served;
 * - `taking`: the broker made it the shard's consumer; its events are held until the previous scheduler's actions
 *   are over (it let go, or must have ended by now), then it is `serving`;
 * - `leaving`: letting go (too many shards for its share, or stopping): no longer the consumer, its actions
 *   finishing.
 */
export type ShardState = 'waiting' | 'taking' | 'serving' | 'leaving';

interface Slot {
  /** Consumes and settles the shard on the current session (a channel of its own). */
  readonly acks: Acknowledger;
  state: ShardState;
  /** The consumer in the shard's line, while there is one. */
  consumerTag: string | undefined;
  /** Messages of the shard received while `taking` or `leaving`: handed on once served, or back when let go. */
  held: ConsumeMessage[];
  /** The shard's token, while this scheduler holds it, and since when (ms, `Date.now()`). */
  token: ConsumeMessage | undefined;
  tokenSince: number;
  /** A token was published and has not come back yet. */
  tokenSent: boolean;
}

/** Who took a shard last, from the control stream, and whether that scheduler has let go of it since. */
interface Holder {
  readonly by: string;
  left: boolean;
}

export interface ShardOwnershipOptions {
  readonly topology: Topology;
  /** This process, in the control stream's records of who serves which shard. */
  readonly id: string;
  /**
   * How long a shard taken from a scheduler that vanished (it did not say it let go) waits before its events run:
   * the longest an action of that scheduler may still run (the action timeout, plus the time to notice a lost
   * connection).
   */
  readonly takeoverDelay: number;
  /** Actions running now, of the shard's hosts, in this process (every session). */
  readonly running: (shard: number) => number;
  /** Hands on a message of a served shard (the scheduler's intake), with what settles it (the shard's channel). */
  readonly deliver: (session: Session, shard: number, message: ConsumeMessage, acks: Settles) => void;
  /** The shard is served from now on, or no longer: the scheduler consumes (or stops consuming) its hosts' queues. */
  readonly served: (session: Session, shard: number, serving: boolean) => Promise<void>;
  readonly log: (line: string) => void;
  /** Called when what `consuming` tells may have changed. */
  readonly changed: () => void;
}

/** How long a shard held by the registry, neither served nor running here, waits before its handoff is said again. */
const UNSAID_MS = 1000;
/** How often a scheduler compares its shards with its share, and renews the tokens it holds. */
const TICK_MS = 1000;
/**
 * A token is renewed (published again, the old one acknowledged) this often: the broker closes a channel that holds
 * a message unacknowledged for 30 minutes (its `consumer_timeout`).
 */
const RENEW_MS = 10 * 60_000;
/**
 * A token that holds back acknowledgements (one frame acknowledges a run of messages only up to the oldest one not
 * settled, which a token is) is renewed when it holds back at least `RENEW_BLOCKING` in a turn, and at most every
 * `RENEW_BLOCKING_MS`: the new one comes after the shard's queued events. A light load, whose few acknowledgements go
 * alone at little cost, renews nothing.
 */
const RENEW_BLOCKING = 32;
const RENEW_BLOCKING_MS = 100;

/**
 * Which shards this scheduler serves. Every scheduler is in every shard's line of consumers (single active
 * consumer), and the broker makes one of them the shard's consumer: so a host is served by one scheduler at a time,
 * by the broker's own mutual exclusion. Each shard holds a token, a message its consumer keeps unacknowledged, so
 * that a scheduler made a shard's consumer learns it at once even when the shard has no events.
 *
 * Taking a shard: a scheduler that let go of it said so on the control stream, after its last action of the shard
 * ended; one that vanished (killed, or cut off) did not, and its actions may still run, so the taker waits
 * `takeoverDelay` first (or until that scheduler, back, says it let go), unless that scheduler ran on this machine
 * in a process that is gone. Either way no host of the shard ever runs actions on two schedulers at once.
 *
 * Spreading: each scheduler serves at most its share, `ceil(SHARDS / live schedulers)` (the live ones are the
 * consumers of `<ns>.live-schedulers`); one that serves more lets go of the extra ones and joins the back of their
 * lines, so each goes to the next scheduler waiting.
 */
export class ShardOwnership {
  #session: Session | undefined;
  #slots: Slot[] = [];
  readonly #holders = new Map<number, Holder>();
  /** Since when (ms) this process holds a shard by the registry without serving it, not having said it let go. */
  readonly #unsaid = new Map<number, number>();
  /** Whether this scheduler consumes `<ns>.live-schedulers` on the current session (it is counted live). */
  #counted = false;
  /** Takers waiting for a holder to let go, by shard. */
  readonly #waitingFor = new Map<number, () => void>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(readonly options: ShardOwnershipOptions) {}

  /** Whether this scheduler serves the shard now (its hosts' events run here). */
  serves(shard: number): boolean {
    return this.#slots[shard]?.state === 'serving';
  }

  /** The shards served now. */
  served(): number[] {
    return this.#slots.flatMap((slot, shard) => (slot.state === 'serving' ? [shard] : []));
  }

  /** A record of the control stream: who took or let go of a shard. */
  record(record: ShardRecord): void {
    const { shard, by } = record;
    if (!Number.isInteger(shard) || shard < 0 || shard >= SHARDS || typeof by !== 'string') return;
    if (record.state === 'taken') this.#holders.set(shard, { by, left: false });
    else if (record.state === 'left') {
      const holder = this.#holders.get(shard);
      if (holder?.by === by) holder.left = true;
      this.#waitingFor.get(shard)?.();
    }
  }

  /** Who took each shard last and whether it let go since: the control stream's records, for a snapshot. */
  holders(): { shard: number; by: string; left: boolean }[] {
    return [...this.#holders].map(([shard, { by, left }]) => ({ shard, by, left }));
  }

  /** Joins every shard's line on a new session, and the live schedulers' queue. */
  async attach(session: Session): Promise<void> {
    this.#session = session;
    this.#slots = session.shardAcks.map((acks) => ({
      acks,
      state: 'waiting' as ShardState,
      consumerTag: undefined,
      held: [],
      token: undefined,
      tokenSince: 0,
      tokenSent: false,
    }));
    session.shardAcks.forEach((acks, shard) => {
      acks.blocked = (message, waiting) => {
        if (waiting >= RENEW_BLOCKING) this.#blocked(session, shard, message);
      };
    });
    await this.#countMe(session);
    for (let shard = 0; shard < SHARDS; shard++) {
      // A shard nobody serves and with nothing in it has no token yet (a new namespace): one is put there, so that
      // the shard is taken, and spread, before its first event. Two schedulers may both do it: one token is kept.
      const { messageCount, consumerCount } = await session.confirm.checkQueue(
        shardQueue(this.options.topology, shard),
      );
      if (messageCount === 0 && consumerCount === 0) await this.#sendToken(session, shard, this.#slots[shard] as Slot);
      await this.#join(session, shard);
    }
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.#tick(session), TICK_MS);
    this.#timer.unref();
  }

  /**
   * Takes a message of a shard. Returns it to the caller's intake at once while the shard is served; holds it while
   * the shard is taken or let go of; keeps the shard's token.
   */
  receive(session: Session, shard: number, message: ConsumeMessage): void {
    const slot = this.#slots[shard];
    if (slot === undefined || session !== this.#session) return;
    if (message.properties.headers?.[headers.token] !== undefined) {
      this.#token(session, shard, slot, message);
    } else if (slot.state === 'serving') {
      this.options.deliver(session, shard, message, slot.acks);
    } else {
      slot.held.push(message);
    }
    if (slot.state === 'waiting') void this.#take(session, shard, slot);
  }

  /**
   * Lets go of every shard for good (the scheduler stops): out of every line, so that the next schedulers take them
   * (each waits for this one to say it let go). Returns the shards it served; `sayLeft` them once their actions end.
   */
  async leaveAll(session: Session): Promise<number[]> {
    clearInterval(this.#timer);
    const shards = this.#slots.flatMap((slot, shard) => (slot.state === 'serving' ? [shard] : []));
    for (const slot of this.#slots) slot.state = 'leaving';
    await Promise.all(this.#slots.map((slot) => this.#cancel(session, slot)));
    return shards;
  }

  /**
   * Says on the control stream that this process let go of each shard, as soon as its actions there ended (at most
   * `timeoutMs`): the scheduler that took it starts then. Also after a lost session, on the next one, for the
   * shards the lost one served.
   */
  async sayLeft(session: Session, shards: readonly number[], timeoutMs: number): Promise<void> {
    await Promise.all(shards.map((shard) => this.#sayLeft(session, shard, timeoutMs)));
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #join(session: Session, shard: number): Promise<void> {
    const slot = this.#slots[shard] as Slot;
    const { consumerTag } = await slot.acks.consume(shardQueue(this.options.topology, shard), (message) => {
      if (message !== null) return this.receive(session, shard, message);
      // The broker cancelled the consumer (the shard's queue was deleted, or its node is gone): join again.
      slot.consumerTag = undefined;
      void this.#rejoin(session, shard);
    });
    slot.consumerTag = consumerTag;
  }

  /** Joins a shard's line again after the broker cancelled the consumer, with backoff; not `consuming` meanwhile. */
  async #rejoin(session: Session, shard: number): Promise<void> {
    const queue = shardQueue(this.options.topology, shard);
    const slot = this.#slots[shard] as Slot;
    this.options.log(`rxjs-fair: the broker cancelled the consumer of ${queue}; consuming it again`);
    session.cancelled.add(queue);
    this.options.changed();
    await this.#letGo(session, shard, slot, false);
    let delay = 100;
    while (!session.closed && session === this.#session) {
      try {
        // Declared again first, on a channel of its own: a failure there must not end the session.
        await onOwnChannel(session.connection, (channel) => assertShardQueue(channel, this.options.topology, shard));
        await this.#join(session, shard);
        session.cancelled.delete(queue);
        this.options.log(`rxjs-fair: consuming ${queue} again`);
        this.options.changed();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() / 2)));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  #token(session: Session, shard: number, slot: Slot, message: ConsumeMessage): void {
    slot.tokenSent = false;
    if (slot.token !== undefined || slot.state === 'leaving') {
      // One token is enough (two schedulers may each have published one); while leaving, it goes back.
      if (slot.state === 'leaving') slot.held.push(message);
      else this.#settle(session, slot, message, true);
      return;
    }
    slot.token = message;
    slot.tokenSince = Date.now();
    // Handed back by a scheduler that let go or vanished: renewed, so that its delivery count never nears the limit.
    if (message.fields.redelivered) slot.tokenSince = 0;
  }

  /**
   * The broker made this scheduler the shard's consumer: serves it once the previous holder's actions are over.
   * A holder that let go said so; one that did not may still run actions, so this waits `takeoverDelay` for it (or
   * until it says it let go). This process's own earlier session waits for its own actions to end.
   */
  async #take(session: Session, shard: number, slot: Slot): Promise<void> {
    slot.state = 'taking';
    const { id, takeoverDelay, running, log, topology } = this.options;
    try {
      await session.control?.sync(session.publisher, OWN_SYNC_TIMEOUT_MS);
      const holder = this.#holders.get(shard);
      if (holder !== undefined && !holder.left && !isGoneFromThisMachine(holder.by)) {
        if (holder.by === id) await this.#until(session, shard, () => running(shard) === 0, takeoverDelay);
        else {
          // Its process may be seen gone only a moment later (killed, but not yet reaped by its parent: a zombie
          // still answers signal 0), so that is asked again while waiting.
          const over = () => holder.left || this.#holders.get(shard) !== holder || isGoneFromThisMachine(holder.by);
          const since = Date.now();
          await this.#until(session, shard, over, takeoverDelay);
          // A handoff takes a moment (the holder's last actions, then its word); only a holder that never said is told.
          if (!over() && !session.closed)
            log(
              `rxjs-fair: took ${shardQueue(topology, shard)} from ${holder.by}, which did not say it let go: ` +
                `started after ${Date.now() - since} ms, when its actions must have ended`,
            );
        }
      }
      if (!session.live || slot.state !== 'taking') return;
      // Read back before serving: a scheduler taking the shard next that never read it would not wait for this
      // one's actions.
      const taken: ShardRecord = { type: 'shard', shard, state: 'taken', by: id };
      await (session.control as ControlStream).append(session.publisher, taken, OWN_SYNC_TIMEOUT_MS);
      if (!session.live || slot.state !== 'taking') return;
      slot.state = 'serving';
      if (slot.token === undefined && !slot.tokenSent) await this.#sendToken(session, shard, slot);
      await this.options.served(session, shard, true);
      for (const message of slot.held.splice(0)) this.receive(session, shard, message);
    } catch (error) {
      if (!session.closed) log(`rxjs-fair: could not take ${shardQueue(topology, shard)}: ${(error as Error).message}`);
      // Letting go may fail too when the session is going (its channels close): nothing more to do then.
      if (slot.state === 'taking') await this.#letGo(session, shard, slot).catch(() => {});
    }
  }

  /** Resolves once `done()` holds (checked as records arrive, and every 50 ms), or after `timeoutMs`. */
  async #until(session: Session, shard: number, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !session.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(50, deadline - Date.now()));
        this.#waitingFor.set(shard, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#waitingFor.delete(shard);
    }
  }

  /**
   * Lets go of a shard: out of its line (the next scheduler becomes its consumer, and waits for this one to say it
   * let go), its hosts' events in memory handed back, and, once its running actions ended, says so and joins the
   * back of the line.
   */
  async #letGo(session: Session, shard: number, slot: Slot, rejoin = true): Promise<void> {
    const wasServing = slot.state === 'serving' || slot.state === 'taking';
    slot.state = 'leaving';
    await this.#cancel(session, slot);
    if (wasServing) await this.options.served(session, shard, false);
    if (wasServing) await this.#sayLeft(session, shard, this.options.takeoverDelay);
    if (session.closed) return;
    slot.state = 'waiting';
    if (rejoin && slot.consumerTag === undefined) await this.#join(session, shard);
  }

  /** Leaves the shard's line, then hands back what it held of the shard (the next consumer gets it). */
  async #cancel(session: Session, slot: Slot): Promise<void> {
    const tag = slot.consumerTag;
    slot.consumerTag = undefined;
    if (tag !== undefined) await slot.acks.channel.cancel(tag).catch(() => {});
    for (const message of slot.held.splice(0)) this.#settle(session, slot, message, false);
    if (slot.token !== undefined) this.#settle(session, slot, slot.token, false);
    slot.token = undefined;
  }

  /**
   * Says on the control stream that this process let go of a shard, once its actions there ended; again after a
   * failed append (a stream nacks while it elects a new leader), as long as this process still holds the shard by
   * the registry and neither takes nor serves it again.
   */
  async #sayLeft(session: Session, shard: number, timeoutMs: number): Promise<void> {
    const { running, id, topology } = this.options;
    await this.#until(session, shard, () => running(shard) === 0, timeoutMs);
    for (let delay = 250; ; delay = Math.min(2 * delay, 2000)) {
      if (running(shard) > 0 || session.closed) return; // the next one waits out its delay
      const holder = this.#holders.get(shard);
      if (holder !== undefined && (holder.by !== id || holder.left)) return; // taken since, or said already
      // Taken again by this process: a word said now could land after its new `taken`, and end that tenure.
      const state = this.#slots[shard]?.state;
      if (session === this.#session && (state === 'taking' || state === 'serving')) return;
      try {
        await publishControl(session.publisher, topology, { type: 'shard', shard, state: 'left', by: id });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Renews a token that holds back acknowledgements, unless it was taken a moment ago. */
  #blocked(session: Session, shard: number, message: ConsumeMessage): void {
    const slot = this.#slots[shard];
    if (session !== this.#session || slot?.token !== message) return;
    if (slot.state !== 'serving' || Date.now() - slot.tokenSince < RENEW_BLOCKING_MS) return;
    void this.#renew(session, shard, slot).catch(() => {});
  }

  /**
   * Publishes a new token, then acknowledges the one held: the shard always has one, held or queued. A token that
   * could not be published is held on.
   */
  async #renew(session: Session, shard: number, slot: Slot): Promise<void> {
    const old = slot.token;
    if (old === undefined) return;
    slot.token = undefined;
    try {
      await this.#sendToken(session, shard, slot);
    } catch (error) {
      slot.tokenSent = false;
      if (slot.token === undefined && slot.state !== 'leaving') slot.token = old;
      else this.#settle(session, slot, old, slot.state !== 'leaving');
      throw error;
    }
    this.#settle(session, slot, old, true);
  }

  async #sendToken(session: Session, shard: number, slot: Slot): Promise<void> {
    slot.tokenSent = true;
    await session.publisher.sendToQueue(shardQueue(this.options.topology, shard), Buffer.from('token'), {
      persistent: true,
      headers: { [headers.token]: 1 },
    });
  }

  /** Acknowledges (or hands back) a message of the slot's shard on its channel, unless the channel is gone. */
  #settle(session: Session, slot: Slot, message: ConsumeMessage, ack: boolean): void {
    if (session.closed) return;
    try {
      if (ack) slot.acks.ack(message);
      else slot.acks.nack(message, false, true);
    } catch {
      // the channel closed: the broker takes the message back
    }
  }

  /**
   * Says again that this process let go of a shard that the registry still has it hold, though it has neither served
   * nor run anything of it for `UNSAID_MS`: its word was lost (not confirmed, or its session lost before it was
   * said), and a scheduler taking the shard would wait out the whole `takeoverDelay` for it.
   */
  #sayUnsaid(session: Session, now: number): void {
    const { id, running } = this.options;
    for (const [shard, holder] of this.#holders) {
      const state = this.#slots[shard]?.state;
      if (holder.by !== id || holder.left || state !== 'waiting' || running(shard) > 0) {
        this.#unsaid.delete(shard);
        continue;
      }
      const since = this.#unsaid.get(shard) ?? now;
      this.#unsaid.set(shard, since);
      if (now - since < UNSAID_MS) continue;
      this.#unsaid.set(shard, now);
      void this.#sayLeft(session, shard, 0);
    }
  }

  /** Counts this scheduler among the live ones: a consumer of `<ns>.live-schedulers` for the session. */
  async #countMe(session: Session): Promise<void> {
    await session.consumerAcks.consume(
      this.options.topology.schedulers,
      (message) => {
        // The queue went with a lost node: declared and consumed again on the next tick.
        if (message === null && session === this.#session) this.#counted = false;
      },
      { noAck: true },
    );
    this.#counted = true;
  }

  /** The live schedulers (this one included): the consumers of `<ns>.live-schedulers`. */
  async #liveSchedulers(session: Session): Promise<number> {
    const { topology } = this.options;
    // On channels of their own: the queue may be gone with a node, and a refusal must not end the session.
    if (!this.#counted) {
      await onOwnChannel(session.connection, (channel) => assertSchedulersQueue(channel, topology));
      await this.#countMe(session);
    }
    const { consumerCount } = await onOwnChannel(session.connection, (channel) =>
      channel.checkQueue(topology.schedulers),
    );
    return consumerCount;
  }

  /** Renews old tokens, and lets go of one shard when serving more than this scheduler's share. */
  async #tick(session: Session): Promise<void> {
    if (this.#ticking || session.closed || session !== this.#session || !session.live) return;
    this.#ticking = true;
    try {
      const now = Date.now();
      for (const [shard, slot] of this.#slots.entries()) {
        if (slot.state !== 'serving' || slot.token === undefined || now - slot.tokenSince < RENEW_MS) continue;
        await this.#renew(session, shard, slot);
      }
      this.#sayUnsaid(session, now);
      const share = Math.ceil(SHARDS / Math.max(1, await this.#liveSchedulers(session)));
      const held = this.#slots.filter((slot) => slot.state === 'serving' || slot.state === 'taking').length;
      if (held <= share || this.#slots.some((slot) => slot.state === 'leaving')) return;
      // Those with the fewest actions running are let go of soonest.
      const { running } = this.options;
      const serving = this.#slots.flatMap((slot, shard) => (slot.state === 'serving' ? [shard] : []));
      const picks = serving.sort((a, b) => running(a) - running(b)).slice(0, held - share);
      await Promise.all(picks.map((shard) => this.#letGo(session, shard, this.#slots[shard] as Slot)));
    } catch (error) {
      if (!session.closed) this.options.log(`rxjs-fair: could not rebalance shards: ${(error as Error).message}`);
    } finally {
      this.#ticking = false;
    }
  }
}
