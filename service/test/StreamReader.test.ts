// StreamReader without a broker, on a fake stream (support/fakeStream.ts) whose readers can be left unfed and whose
// publishes can be left unconfirmed, as RabbitMQ 3.10 does after the stream's leader node is lost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamReader, SYNC_RETRY_MS } from '../src/StreamReader.js';
import { fakeStream } from './support/fakeStream.js';

/** A reader of the fake stream and what it handed on, by content. */
async function reading(stream: ReturnType<typeof fakeStream>) {
  const read: string[] = [];
  const reader = new StreamReader(stream.connection, 'test.control', (m) => read.push(m.content.toString()));
  const life = await reader.start('first');
  let closed = false;
  life.on('close', () => (closed = true));
  return { reader, read, closed: () => closed };
}

describe('StreamReader', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should read again on a new channel, from just after the last message read, when its reader goes unfed', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, read, closed } = await reading(stream);
    stream.append('a');
    stream.append('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toEqual(['a', 'b']);
    const first = stream.channels[0];
    (first as { stuck: boolean }).stuck = true;
    stream.append('c'); // another writer's, not delivered on the stuck channel
    let synced = false;
    const sync = reader.sync(stream.publisher, 10_000).then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS - 100);
    expect(synced).toBe(false); // the marker is confirmed, and not read yet
    expect(stream.channels).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS);
    await sync;
    expect(stream.channels).toHaveLength(2);
    expect(stream.channels[1]?.startedAt).toBe(2); // after 'b' (offset 1)
    expect(stream.channels[0]?.closed).toBe(true);
    expect(read).toEqual(['a', 'b', 'c']); // every message once, markers skipped
    expect(closed()).toBe(false); // its owner's session goes on
    stream.append('d');
    await vi.advanceTimersByTimeAsync(0);
    expect(read).toEqual(['a', 'b', 'c', 'd']);
  });

  it('should append another marker when one is never confirmed, and return once that one is read back', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, read, closed } = await reading(stream);
    stream.append('a');
    stream.drop(1);
    let synced = false;
    const sync = reader.sync(stream.publisher, 10_000).then(() => (synced = true));
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS - 100);
    expect(synced).toBe(false);
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_MS);
    await sync;
    expect(stream.published).toHaveLength(2);
    expect(stream.channels).toHaveLength(1); // the reader was fine
    expect(read).toEqual(['a']);
    expect(closed()).toBe(false);
  });

  it('should give up after the timeout and tell its owner, when nothing comes back', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { reader, closed } = await reading(stream);
    stream.drop(1000);
    const sync = reader.sync(stream.publisher, 5000);
    const failed = expect(sync).rejects.toThrow('the stream test.control did not answer within 5000 ms');
    await vi.advanceTimersByTimeAsync(5000);
    await failed;
    expect(closed()).toBe(true);
    expect(stream.channels.every((c) => c.closed)).toBe(true);
    await expect(reader.sync(stream.publisher)).rejects.toThrow('closed');
  });

  it('should stop and tell its owner when the broker cancels its consumer', async () => {
    const stream = fakeStream();
    const { reader, closed } = await reading(stream);
    stream.drop(1);
    const sync = reader.sync(stream.publisher, 5000);
    stream.channels[0]?.cancel();
    await expect(sync).rejects.toThrow('closed');
    expect(closed()).toBe(true);
  });
});
