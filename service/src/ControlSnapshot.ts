import type { ChannelModel } from 'amqplib';
import type { ConfirmPublisher } from './ConfirmPublisher.js';
import type { AvailabilityPatch, WeightsPatch } from './schemas.js';
import { StreamReader } from './StreamReader.js';
import type { Topology } from './topology.js';

/**
 * The registry (the control stream) as a scheduler knows it having read every record up to `offset`: what the
 * records before it would tell, in one message. A scheduler that starts reads the newest snapshot and the records
 * after it, so its start does not grow with the registry's history.
 */
export interface ControlSnapshot {
  readonly type: 'snapshot';
  /** The control stream's offset of the last record it covers. */
  readonly offset: number;
  /** Hosts and VMs not ACTIVE. */
  readonly availability: AvailabilityPatch;
  /** Host weights other than 1. */
  readonly weights: WeightsPatch;
  /** Hosts with a backlog queue of routine events. */
  readonly hosts: readonly string[];
  /** Hosts with backlog queues of priority levels, with their levels (absent: none). */
  readonly levels?: Readonly<Record<string, readonly number[]>>;
  /** VMs with a parked queue, by host. */
  readonly parked: Readonly<Record<string, readonly string[]>>;
  /** Who took each shard last, and whether it has let go since. */
  readonly shards: readonly { readonly shard: number; readonly by: string; readonly left: boolean }[];
}

/** Appends a snapshot; resolves once the broker confirmed it. */
export function publishSnapshot(publisher: ConfirmPublisher, t: Topology, snapshot: ControlSnapshot): Promise<void> {
  return publisher.sendToQueue(t.snapshots, Buffer.from(JSON.stringify(snapshot)), {
    persistent: true,
    contentType: 'application/json',
  });
}

/** The newest snapshot (the one that covers the most records), or undefined when there is none. */
export async function newestSnapshot(
  connection: ChannelModel,
  t: Topology,
  publisher: ConfirmPublisher,
): Promise<ControlSnapshot | undefined> {
  let newest: ControlSnapshot | undefined;
  const reader = new StreamReader(connection, t.snapshots, (message) => {
    try {
      const value = JSON.parse(message.content.toString()) as ControlSnapshot;
      if (value?.type === 'snapshot' && Number.isInteger(value.offset) && value.offset > (newest?.offset ?? -1))
        newest = value;
    } catch {
      // not ours: skipped, as on the control stream
    }
  });
  // Every snapshot kept (the stream keeps 16 MB of them: a bounded read, however long the registry's history), up
  // to a marker of this reader's own: the newest is among them.
  await reader.start('first');
  try {
    await reader.sync(publisher);
  } finally {
    await reader.close();
  }
  return newest;
}
