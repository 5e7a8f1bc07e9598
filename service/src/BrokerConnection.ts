import { setMaxListeners, type EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Subscription } from 'rxjs';
import { Acknowledger } from './Acknowledger.js';
import type { Completions } from './Completions.js';
import { ConfirmPublisher } from './ConfirmPublisher.js';
import { connectBroker, redactUrl } from './connectBroker.js';
import { newestSnapshot, type ControlSnapshot } from './ControlSnapshot.js';
import { ControlStream, type ControlMessage } from './ControlStream.js';
import type { Delivery } from './Delivery.js';
import { EventPublisher } from './EventPublisher.js';
import type { FairStatsWatch } from './FairStatsWatch.js';
import type { StreamStart } from './StreamReader.js';
import type { FairTree } from './FairTree.js';
import { assertTopology, SHARDS, type Topology } from './topology.js';

/** Everything that lives as long as one broker connection. */
export interface Session {
  readonly connection: ChannelModel;
  /**
   * Consume the shards, one channel each, and settle their messages, several at once where they can: every consume
   * and settle of a shard is made on its own. Each consumer holds up to 4 x prefetch events, and the shard's token.
   */
  readonly shardAcks: readonly Acknowledger[];
  /** Consumes the hosts' backlog queues and parked queues, `prefetch` each. */
  readonly consumer: Channel;
  /** Settles the messages of `consumer`, as `shardAcks` those of the shards. */
  readonly consumerAcks: Acknowledger;
  readonly confirm: ConfirmChannel;
  readonly publisher: ConfirmPublisher;
  readonly events: EventPublisher;
  readonly tree: FairTree<Delivery>;
  readonly subscription: Subscription;
  /** Aborted when the session ends (lost, or closed on purpose): the running actions' signals follow it. */
  readonly end: AbortController;
  /**
   * Queues whose consumer the broker cancelled (the queue was deleted, or its node is gone), until they are consumed
   * again: the scheduler is not consuming all it should meanwhile (`GET /health` is 503).
   */
  readonly cancelled: Set<string>;
  /** The library's stats of this session's dispatch, watched while read (`fairSnapshot`). */
  readonly fairStats: FairStatsWatch<Delivery>;
  control?: ControlStream;
  /** Consumer tags of the hosts' backlog queues and of the parked queues, by queue name. */
  readonly hostConsumers: Map<string, string>;
  readonly parkedConsumers: Map<string, string>;
  /** Backlog and parked queues declared on this connection. */
  readonly declared: Map<string, Promise<void>>;
  /** Set once consuming has begun (hosts are reconciled as they are announced from then on). */
  live: boolean;
  /** Set when this process closes the session on purpose (its channels' closing is then expected). */
  closing: boolean;
  closed: boolean;
}

/** Where the scheduler is in its life; `reconnecting` after a lost connection, until a new one consumes. */
export type ConnectionState = 'idle' | 'starting' | 'running' | 'reconnecting' | 'stopping' | 'stopped';

/** What the scheduler builds and runs on each session: the connection knows when, not how. */
export interface SessionSetup {
  /** The session's fair tree and the dispatch from it, before any message arrives. */
  dispatch(): Pick<Session, 'tree' | 'subscription' | 'fairStats'>;
  /** Applies a message of the control stream, read on `session`, at its offset in the stream. */
  control(session: Session, message: ControlMessage, offset: number): void;
  /**
   * Applies the registry's newest snapshot, on the first session, before the records after it; false if it is not
   * valid (nothing applied: the stream is read from its first record).
   */
  snapshot(session: Session, snapshot: ControlSnapshot): boolean;
  /** Starts consuming on a session that just became live. */
  consume(session: Session): Promise<void>;
}

export interface BrokerConnectionOptions {
  /** The broker's nodes, checked (see `brokerUrls`): a lost one is replaced by the next that answers. */
  readonly urls: readonly string[];
  readonly topology: Topology;
  /** Messages fetched ahead on the consumer channel, per consumer. */
  readonly prefetch: number;
  /** The ids done, followed on every connection before consuming (absent: redeliveries are not recognised). */
  readonly completions: Completions | undefined;
  readonly setup: SessionSetup;
  /** Where a lost broker and each reconnection are told. */
  readonly log: (line: string) => void;
}

/** How long a publish may wait for the broker's confirm (the connection not blocked) before the session ends. */
const CONFIRM_TIMEOUT_MS = 10_000;

/**
 * The scheduler's connection to the broker, one session at a time: opens it (the topology, a consumer channel, a
 * confirm channel, the control and done streams read up to now, then consuming), closes it on purpose (channels
 * first, so that the last acks reach the broker), and, when the broker is lost, opens a new one with backoff.
 * Whatever a lost session held in memory is the broker's again: it redelivers it.
 */
export class BrokerConnection {
  #state: ConnectionState = 'idle';
  #session: Session | undefined;
  /** The node connected to last (an index into `urls`), and its URL. */
  #node = 0;
  #url = '';
  /** The first connection's set-up, while `start()` runs it. */
  #starting: Promise<void> | undefined;
  /** The offset of the last record of the control stream read, on any session (-1: none yet). */
  #controlOffset = -1;

  constructor(readonly options: BrokerConnectionOptions) {}

  get state(): ConnectionState {
    return this.#state;
  }

  /** The latest session: the current one, or the one lost while reconnecting; none before the first. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** The session, if it is connected and consuming; throws otherwise. */
  usable(): Session {
    const session = this.#session;
    if (session === undefined || session.closed || !session.live)
      throw new Error('the scheduler is not connected to the broker');
    return session;
  }

  /**
   * Opens the first session. Resolves with true once it consumes (or lost it already, and reconnects), false if
   * `stopping()` was called meanwhile; rejects if the broker cannot be used.
   */
  async start(): Promise<boolean> {
    if (this.#state !== 'idle') throw new Error(`Cannot start a scheduler that is ${this.#state}`);
    this.#state = 'starting';
    this.#starting = this.#open();
    try {
      await this.#starting;
    } catch (error) {
      this.#state = 'stopped';
      throw error;
    }
    if (this.#state !== 'starting') return false; // stopped while starting: `stopped()` closes the session
    this.#state = 'running';
    if (this.#session?.closed === true) this.#lost(this.#session, undefined, true); // lost as it started
    return true;
  }

  /**
   * The first step of stopping: no reconnection from now on, and a start under way is over when this resolves.
   * Resolves with false when stopping already.
   */
  async stopping(): Promise<boolean> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return false;
    this.#state = 'stopping';
    await this.#starting?.catch(() => {});
    return true;
  }

  /** The last step of stopping: closes the session (the one that was current when stopping began). */
  async stopped(session: Session | undefined, reason: string): Promise<void> {
    if (session !== undefined) await this.#close(session, reason);
    this.#state = 'stopped';
  }

  async #open(): Promise<void> {
    const { topology: t, setup, completions } = this.options;
    // After a loss, the next node first: the one lost is likely still gone.
    const { connection, url, index } = await connectBroker(this.options.urls, this.#node + (this.#session ? 1 : 0));
    this.#node = index;
    this.#url = url;
    connection.on('error', () => {}); // followed by 'close'
    let session: Session | undefined;
    try {
      const declare = await connection.createChannel();
      declare.on('error', () => {}); // a failed declaration rejects its call too
      await assertTopology(declare, t);
      await declare.close();
      // A shard fetches more than one host may hold (`prefetch`): a busy host's events beyond that are moved out of
      // the way, and the others' still find room. One more for the shard's token, which takes no event's place.
      // A channel per shard: the broker looks an acknowledgement's message up among all those its channel has
      // delivered and not yet had acknowledged, from the oldest on, and the fair dispatch acknowledges out of their
      // order, so one channel for all 16 shards would cost it a walk through all their read-aheads per acknowledgement.
      const shards: Channel[] = [];
      for (let shard = 0; shard < SHARDS; shard++) {
        const channel = await connection.createChannel();
        shards.push(channel);
        await channel.prefetch(4 * this.options.prefetch + 1);
      }
      const consumer = await connection.createChannel();
      await consumer.prefetch(this.options.prefetch);
      const confirm = await connection.createConfirmChannel();
      const publisher = new ConfirmPublisher(confirm);
      session = {
        connection,
        shardAcks: shards.map((channel) => new Acknowledger(channel)),
        consumer,
        consumerAcks: new Acknowledger(consumer),
        confirm,
        publisher,
        events: new EventPublisher(publisher, t),
        ...setup.dispatch(),
        end: endController(),
        cancelled: new Set(),
        hostConsumers: new Map(),
        parkedConsumers: new Map(),
        declared: new Map(),
        live: false,
        closing: false,
        closed: false,
      };
      const current = session;
      connection.on('close', (error?: Error) => this.#lost(current, error));
      this.#watchConfirms(current);
      // A channel the broker closed (an unknown delivery tag, a queue declared differently), or a stream's reader
      // that stopped for good, ends the session. Nothing starts on it from then on: the connection's close takes a
      // moment, and the broker then hands every message of the session to another scheduler, which may run it at once.
      const endsSession = (channel: EventEmitter) =>
        channel.on('close', () => {
          if (current.closing || current.closed) return;
          current.live = false;
          current.end.abort(new Error('the scheduler lost a channel to the broker: the event will be delivered again'));
          void current.connection.close().catch(() => {});
        });
      for (const channel of [...shards, consumer, confirm]) {
        channel.on('error', () => {});
        endsSession(channel);
      }
      this.#session = session;
      const control = new ControlStream(connection, t, (message, offset) => {
        if (Number.isInteger(offset)) this.#controlOffset = offset;
        setup.control(current, message, offset);
      });
      session.control = control;
      // A new connection reads on from where the last one stopped; the first, from the newest snapshot.
      let from: StreamStart = 'first';
      if (this.#controlOffset < 0) {
        const snapshot = await newestSnapshot(connection, t, publisher);
        if (snapshot !== undefined && setup.snapshot(current, snapshot)) this.#controlOffset = snapshot.offset;
      }
      if (this.#controlOffset >= 0) from = { offset: this.#controlOffset + 1 };
      endsSession(await control.start(from));
      await control.sync(publisher);
      // Read before consuming: a message redelivered at once must find the ids done before it.
      if (completions !== undefined) endsSession(await completions.attach(connection, publisher));
      if (session.end.signal.aborted) throw new Error('a channel to the broker closed while the scheduler started');
      session.live = true;
      await setup.consume(current);
      if (session.closed) throw new Error('the broker closed the connection while the scheduler started');
    } catch (error) {
      if (session !== undefined) await this.#close(session);
      else await connection.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Ends the session when a message published on it has waited `CONFIRM_TIMEOUT_MS` for its confirm while the
   * broker did not block the connection: after a node's loss, RabbitMQ 3.10 may never confirm a publish to a stream
   * made at that moment, and whatever waits for it (a shard's handoff, an event moved, its ack) would wait for good.
   * A new session publishes again what needs it; the broker redelivers what the old one held.
   */
  #watchConfirms(session: Session): void {
    let blockedUntil = 0;
    let blocked = false;
    session.connection.on('blocked', () => (blocked = true));
    session.connection.on('unblocked', () => {
      blocked = false;
      blockedUntil = Date.now();
    });
    const timer = setInterval(() => {
      if (session.closed) return clearInterval(timer);
      const now = Date.now();
      const waited = Math.min(session.publisher.oldestPending(now), now - blockedUntil);
      if (blocked || session.closing || waited < CONFIRM_TIMEOUT_MS) return;
      clearInterval(timer);
      this.options.log(`rxjs-fair: the broker has not confirmed a message for ${waited} ms; connecting again`);
      // Cut rather than closed: a close waits for the broker's answer, which took seconds over such a publish, and
      // the session's shards stay with it until then. Either way the broker takes back what the session held.
      const socket = (session.connection as unknown as { connection?: { stream?: Socket } }).connection?.stream;
      if (socket !== undefined) socket.destroy(new Error(`no confirm for ${waited} ms`));
      else void session.connection.close().catch(() => {});
    }, 1000);
    timer.unref();
  }

  async #close(session: Session, reason = 'the scheduler closed its connection'): Promise<void> {
    session.closing = true;
    session.live = false;
    session.end.abort(new Error(reason));
    // Each channel first: closing one waits for the broker to process what was sent on it (the last acks), where
    // closing the connection straight away could overtake them, and the broker would redeliver those messages.
    for (const acks of session.shardAcks) acks.flush();
    await Promise.all(session.shardAcks.map((acks) => acks.channel.close().catch(() => {})));
    session.consumerAcks.flush();
    await session.consumer.close().catch(() => {});
    await session.confirm.close().catch(() => {});
    session.closed = true;
    session.subscription.unsubscribe();
    await session.control?.close();
    await this.options.completions?.detach(session.connection);
    await session.connection.close().catch(() => {});
  }

  #lost(session: Session, error: Error | undefined, again = false): void {
    if (session.closed && !again) return;
    session.closed = true;
    session.live = false;
    // The events of the actions still running go back to the broker: tell their handlers, the event runs again.
    session.end.abort(new Error('the scheduler lost the broker: the event will be delivered again'));
    void this.options.completions?.detach(session.connection);
    session.subscription.unsubscribe();
    if (this.#state !== 'running') return;
    this.#state = 'reconnecting';
    this.options.log(
      `rxjs-fair: lost the broker at ${redactUrl(this.#url)} (${error?.message ?? 'connection closed'}); reconnecting`,
    );
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    let delay = 100;
    let attempts = 0;
    while (this.#state === 'reconnecting') {
      try {
        await this.#open();
        if (this.#state !== 'reconnecting') {
          if (this.#session !== undefined) await this.#close(this.#session);
          return;
        }
        if (this.#session?.closed === true) continue; // lost again as it reconnected
        this.#state = 'running';
        this.options.log(`rxjs-fair: reconnected to ${redactUrl(this.#url)}; consuming again`);
        return;
      } catch (error) {
        // Backoff with jitter, so that many schedulers do not knock all at once.
        await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() / 2)));
        delay = Math.min(delay * 2, 3000);
        if (++attempts % 10 === 0) this.options.log(`rxjs-fair: still reconnecting: ${(error as Error).message}`);
      }
    }
  }
}

/** The session's end: every running action listens to it (one listener each), so no listener limit. */
function endController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
