import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmPublisher } from '../../src/ConfirmPublisher.js';
import { newestSnapshot, publishSnapshot } from '../../src/ControlSnapshot.js';
import { publishControl } from '../../src/ControlStream.js';
import { Scheduler } from '../../src/index.js';
import { assertTopology, topology } from '../../src/topology.js';
import { amqpUrl, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

describe.skipIf(amqpUrl === '')("the control stream's snapshots (real broker)", () => {
  it('starts from the newest snapshot, not from the first record, and writes one every thousand or two records', async () => {
    const namespace = uniqueNamespace('snapshot');
    const t = topology({ namespace });
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    await assertTopology(channel, t);
    const publisher = new ConfirmPublisher(channel);

    // History before the snapshot says h1 is in MAINTENANCE; the snapshot (covering it) says only h2 is DOWN.
    await publishControl(publisher, t, { type: 'availability', patch: { h1: 'MAINTENANCE' } });
    await publishControl(publisher, t, { type: 'availability', patch: { h2: 'DOWN' } });
    await publishSnapshot(publisher, t, {
      type: 'snapshot',
      offset: 1, // the two records above are offsets 0 and 1: reading goes on from 2
      availability: { h2: 'DOWN' },
      weights: { h3: 4 },
      hosts: [],
      parked: {},
      shards: [],
    });
    const first = new Scheduler({ url: amqpUrl, namespace, handle: () => {} });
    cleanup.push(() => first.stop(1000));
    await first.start();
    expect(first.stats()).toMatchObject({ availability: { h2: 'DOWN' }, weights: { h3: 4 } });

    // Records after a real offset are read on top of its snapshot, and the scheduler writes snapshots itself.
    const second = new Scheduler({ url: amqpUrl, namespace: uniqueNamespace('snapshot'), handle: () => {} });
    const t2 = second.topology;
    await assertTopology(channel, t2);
    const changes = Array.from({ length: 2100 }, (_, i) =>
      publishControl(publisher, t2, { type: 'weights', weights: { [`w${i % 50}`]: 1 + (i % 7) } }),
    );
    await Promise.all(changes);
    cleanup.push(() => second.stop(1000));
    await second.start(); // reads the 2,100 records, and writes a snapshot after its thousand or two
    await waitFor('a snapshot', async () => (await newestSnapshot(connection, t2, publisher)) !== undefined);
    const snapshot = await newestSnapshot(connection, t2, publisher);
    expect(snapshot?.offset).toBeGreaterThanOrEqual(999);
    const expected = second.stats().weights;
    await publishControl(publisher, t2, { type: 'availability', patch: { late: 'DOWN' } });
    await waitFor('the late change', () => Object.hasOwn(second.stats().availability, 'late'));

    const third = new Scheduler({ url: amqpUrl, namespace: second.topology.namespace, handle: () => {} });
    cleanup.push(() => third.stop(1000));
    await third.start();
    expect(third.stats().weights).toEqual(expected);
    expect(third.stats().availability).toEqual({ late: 'DOWN' });
  });
});
