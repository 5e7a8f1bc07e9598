// ConfirmPublisher on a fake confirm channel: how long its oldest message has waited for a confirm, which ends a
// session when a broker never confirms it (BrokerConnection).
import type { ConfirmChannel } from 'amqplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmPublisher } from '../src/ConfirmPublisher.js';

function fakeChannel() {
  const confirms: ((err: unknown) => void)[] = [];
  const channel = {
    on() {},
    publish(_exchange: string, _key: string, _content: Buffer, _options: unknown, cb: (err: unknown) => void) {
      confirms.push(cb);
      return true;
    },
  } as unknown as ConfirmChannel;
  return { channel, confirms };
}

describe('ConfirmPublisher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("should tell how long its oldest message not confirmed yet has waited, whatever the confirms' order", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { channel, confirms } = fakeChannel();
    const publisher = new ConfirmPublisher(channel);
    expect(publisher.oldestPending()).toBe(0);
    const first = publisher.sendToQueue('q', Buffer.from('1'));
    vi.advanceTimersByTime(300);
    const second = publisher.sendToQueue('q', Buffer.from('2'));
    vi.advanceTimersByTime(200);
    expect(publisher.oldestPending()).toBe(500);
    confirms[1]?.(null); // the second confirmed first: the first still waits
    await second;
    expect(publisher.oldestPending()).toBe(500);
    confirms[0]?.(new Error('nacked'));
    await expect(first).rejects.toThrow('nacked');
    expect(publisher.oldestPending()).toBe(0);
    expect(publisher.pending).toBe(0);
  });
});
