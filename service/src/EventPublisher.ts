import type { ConfirmPublisher } from './ConfirmPublisher.js';
import { publishControl } from './ControlStream.js';
import type { AvailabilityPatch, FairEvent } from './schemas.js';
import { headers, hostKey, type Topology } from './topology.js';

/**
 * Puts events into the broker, each into its host's shard (declared with the topology, so never unroutable): nothing
 * to declare or announce per host, so a new host costs the broker nothing. Used by the producer and by the REST
 * endpoint.
 */
export class EventPublisher {
  constructor(
    readonly publisher: ConfirmPublisher,
    readonly topology: Topology,
  ) {}

  /** Publishes one event; resolves once the broker confirmed it (it is then durably queued). */
  async publish(event: FairEvent): Promise<void> {
    await this.publisher.ready();
    const now = Date.now();
    return this.publisher.publish(this.topology.events, hostKey(event.host), Buffer.from(JSON.stringify(event)), {
      persistent: true,
      contentType: 'application/json',
      messageId: event.id,
      // The publish time, for the end-to-end wait: AMQP's own timestamp is in whole seconds, the header in ms.
      timestamp: Math.floor(now / 1000),
      headers: { [headers.published]: now },
    });
  }

  /**
   * Publishes events in order, pipelined (confirms are awaited together, not one by one). Resolves once the
   * broker confirmed every one of them; `onConfirmed` is told as they are.
   */
  async publishAll(events: Iterable<FairEvent> | AsyncIterable<FairEvent>, onConfirmed?: () => void): Promise<number> {
    let published = 0;
    let failure: unknown;
    const confirms = new Set<Promise<void>>();
    for await (const event of events) {
      if (failure !== undefined) break;
      const confirm = this.publish(event).then(
        () => {
          confirms.delete(confirm);
          onConfirmed?.();
        },
        (error: unknown) => {
          confirms.delete(confirm);
          failure ??= error;
        },
      );
      confirms.add(confirm);
      published++;
      // publish() waits for room itself; this keeps the loop from running ahead of it on a slow broker.
      if (confirms.size >= this.publisher.window) await Promise.race(confirms);
    }
    await Promise.all(confirms);
    if (failure !== undefined) throw failure;
    return published;
  }

  /** Appends an availability change to the control stream; resolves once the broker confirmed it. */
  publishAvailability(patch: AvailabilityPatch): Promise<void> {
    return publishControl(this.publisher, this.topology, { type: 'availability', patch });
  }
}
