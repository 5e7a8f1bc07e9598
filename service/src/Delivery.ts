import type { ConsumeMessage } from 'amqplib';
import type { Session } from './BrokerConnection.js';
import type { FairEvent } from './schemas.js';

/** A message as the broker delivered it, until it is settled: acknowledged or handed back, once. */
export interface Received {
  readonly message: ConsumeMessage;
  /** The queue it came from (a host's queue or a parked queue). */
  readonly queue: string;
  /** The connection it came on: it is settled on that connection's channel, or not at all once it is closed. */
  readonly session: Session;
  /** Acknowledged or handed back already: a message is settled once, or its channel fails. */
  settled: boolean;
}

/** A valid event's message, taken from a host queue or a parked queue, on its way through the tree to its action. */
export interface Delivery extends Received {
  readonly event: FairEvent;
  /** Whether it came from its VM's parked queue. */
  readonly parked: boolean;
  /** When the scheduler received it (`performance.now()`): its wait, until dispatch, is recorded per host. */
  readonly received: number;
  /** When the producer published it (ms since the epoch, the producer's clock), if it said. */
  readonly published: number | undefined;
}
