import type { ConsumeMessage } from 'amqplib';
import type { Settles } from './Acknowledger.js';
import type { Session } from './BrokerConnection.js';
import type { FairEvent } from './schemas.js';

/** A message as the broker delivered it, until it is settled: acknowledged or handed back, once. */
export interface Received {
  readonly message: ConsumeMessage;
  /** The queue it came from (a shard, a host's backlog queue or a parked queue). */
  readonly queue: string;
  /** The connection it came on: it is settled on the channel it came on, or not at all once that is closed. */
  readonly session: Session;
  /** What settles it on the channel it came on (the session's shard channel, or its consumer channel). */
  readonly channel: Settles;
  /** Acknowledged or handed back already: a message is settled once, or its channel fails. */
  settled: boolean;
  /** Counted by `Settlement.hold` until it is settled (a host's backlog queue is deleted only when none is). */
  held?: boolean;
}

/** Where a message came from: its host's shard, the host's backlog queue, or its VM's parked queue. */
export type Source = 'shard' | 'host' | 'parked';

/** A valid event's message, on its way through the tree to its action. */
export interface Delivery extends Received {
  readonly event: FairEvent;
  readonly source: Source;
  /** Its priority level, by its action (0 first). */
  readonly level: number;
  /** When the scheduler received it (`performance.now()`): its wait, until dispatch, is recorded per host. */
  readonly received: number;
  /** When the producer published it (ms since the epoch, the producer's clock), if it said. */
  readonly published: number | undefined;
}
