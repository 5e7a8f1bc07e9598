import type { ChannelModel } from 'amqplib';
import { ConfirmPublisher } from './ConfirmPublisher.js';
import { brokerUrls, connectBroker, type BrokerUrls } from './connectBroker.js';
import { EventPublisher } from './EventPublisher.js';
import { checkAvailability, type AvailabilityPatch, type FairEvent } from './schemas.js';
import { assertTopology, topology, type Topology, type TopologyOptions } from './topology.js';

export interface ProducerOptions extends TopologyOptions {
  /** The broker, `amqp://user:password@host:port`; for a cluster, its nodes: the first that answers is used. */
  readonly url: BrokerUrls;
}

/**
 * Publishes events and availability changes to the broker, each confirmed by the broker (pipelined, not one
 * round trip per event). Each event goes to its host's shard: nothing is declared or announced per host.
 *
 * @example
 * const producer = await Producer.connect({ url: 'amqp://guest:guest@127.0.0.1:5672' });
 * await producer.publish(generateEvents({ hosts: 4, vms: 2, policies: 3, events: 1000, skew: 0.9 }));
 * await producer.setAvailability({ compute1: { vm0: 'MAINTENANCE' } });
 * await producer.close();
 */
export class Producer {
  readonly #connection: ChannelModel;
  readonly #events: EventPublisher;

  private constructor(connection: ChannelModel, events: EventPublisher) {
    this.#connection = connection;
    this.#events = events;
  }

  static async connect(options: ProducerOptions): Promise<Producer> {
    const t: Topology = topology(options);
    const { connection } = await connectBroker(brokerUrls(options.url));
    try {
      connection.on('error', () => {});
      const confirm = await connection.createConfirmChannel();
      confirm.on('error', () => {});
      await assertTopology(confirm, t);
      return new Producer(connection, new EventPublisher(new ConfirmPublisher(confirm), t));
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Publishes events in order; resolves with their number once the broker confirmed all of them. `onConfirmed` is
   * called for each confirm (a progress bar).
   */
  publish(events: Iterable<FairEvent> | AsyncIterable<FairEvent>, onConfirmed?: () => void): Promise<number> {
    return this.#events.publishAll(events, onConfirmed);
  }

  /** Appends an availability change to the control stream, where every scheduler reads it. */
  setAvailability(patch: AvailabilityPatch): Promise<void> {
    return this.#events.publishAvailability(checkAvailability(patch));
  }

  async close(): Promise<void> {
    await this.#connection.close().catch(() => {});
  }
}
