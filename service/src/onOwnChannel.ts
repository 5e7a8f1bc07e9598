import type { Channel, ChannelModel } from 'amqplib';

/**
 * Runs `use` on a channel of its own, closed after (its closing's failure ignored). For a call the broker may
 * refuse by closing its channel (a queue missing or declared differently, a deletion refused): on one of the
 * session's own channels that would end the session. Rejects as `use` does.
 */
export async function onOwnChannel<R>(connection: ChannelModel, use: (channel: Channel) => Promise<R>): Promise<R> {
  const channel = await connection.createChannel();
  channel.on('error', () => {}); // a refusal rejects `use`'s call too
  try {
    return await use(channel);
  } finally {
    await channel.close().catch(() => {});
  }
}
