// ControlStream.append without a broker, on a fake stream (support/fakeStream.ts) that can confirm a record and lose
// it, as RabbitMQ 3.10 does after the loss of the stream's leader.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControlStream, type ControlMessage } from '../src/ControlStream.js';
import { topology } from '../src/topology.js';
import { fakeStream } from './support/fakeStream.js';

const t = topology({ namespace: 'test' });

async function reading(stream: ReturnType<typeof fakeStream>) {
  const read: ControlMessage[] = [];
  const control = new ControlStream(stream.connection, t, (message) => read.push(message));
  await control.start('first');
  return { control, read };
}

describe('ControlStream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should resolve an append once its record is read back', async () => {
    const stream = fakeStream();
    const { control, read } = await reading(stream);
    await control.append(stream.publisher, { type: 'host', host: 'h1' });
    expect(read).toEqual([{ type: 'host', host: 'h1' }]);
    await control.close();
  });

  it('should reject an append whose record the broker confirmed and lost, and resolve the next one', async () => {
    vi.useFakeTimers();
    const stream = fakeStream();
    const { control, read } = await reading(stream);
    stream.lose(1);
    const lost = control.append(stream.publisher, { type: 'shard', shard: 3, state: 'taken', by: 'me' }, 5000);
    const failed = expect(lost).rejects.toThrow('the control stream lost a record that the broker confirmed (shard)');
    await vi.advanceTimersByTimeAsync(10);
    await failed;
    expect(read).toEqual([]);
    const again = control.append(stream.publisher, { type: 'shard', shard: 3, state: 'taken', by: 'me' }, 5000);
    await vi.advanceTimersByTimeAsync(10);
    await again;
    expect(read).toEqual([{ type: 'shard', shard: 3, state: 'taken', by: 'me' }]);
    await control.close();
  });
});
