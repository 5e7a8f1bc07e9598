// amqplib's multiplexer made to write a pass's frames in one system call, without a broker: the installed amqplib's
// Connection over an in-memory stream that records each write to the socket.
import type { ChannelModel } from 'amqplib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkFrames } from '../src/corkFrames.js';

const require = createRequire(import.meta.url);
interface AmqpConnection {
  freshChannel(channel: { onBufferDrain(): void }): number;
  sendMethod(channel: number, method: number, fields: Record<string, unknown>): boolean;
}
// Its internals by file (its `exports` map hides them), from where the package's entry lies.
const lib = join(dirname(require.resolve('amqplib')), 'lib');
const { Connection } = require(join(lib, 'connection.js')) as { Connection: new (stream: Duplex) => AmqpConnection };
const { BasicAck } = require(join(lib, 'defs.js')) as { BasicAck: number };

/** A socket stand-in: counts the system calls a socket would make (one per `_write`, one per `_writev`). */
function recordingSocket() {
  const calls: number[] = []; // frames per call
  const bytes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      calls.push(1);
      bytes.push(chunk);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.length);
      for (const { chunk } of chunks) bytes.push(chunk as Buffer);
      callback();
    },
  });
  return { socket, calls, bytes };
}

/** Acks `n` delivery tags on a fresh channel, then waits for the multiplexer's pass (it runs on `setImmediate`). */
async function ackSome(connection: AmqpConnection, n: number): Promise<void> {
  const channel = connection.freshChannel({ onBufferDrain() {} });
  for (let tag = 1; tag <= n; tag++) connection.sendMethod(channel, BasicAck, { deliveryTag: tag, multiple: false });
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('corkFrames', () => {
  it("should find the multiplexer of the installed amqplib and write a pass's frames in one call, in order", async () => {
    const plain = recordingSocket();
    await ackSome(new Connection(plain.socket), 5);
    const corked = recordingSocket();
    const connection = new Connection(corked.socket);
    expect(corkFrames({ connection } as unknown as ChannelModel)).toBe(true);
    await ackSome(connection, 5);
    expect(plain.calls).toEqual([1, 1, 1, 1, 1]);
    expect(corked.calls).toEqual([5]);
    expect(Buffer.concat(corked.bytes)).toEqual(Buffer.concat(plain.bytes)); // the same frames, in the same order
  });

  it('should change nothing, and say so, where amqplib has no multiplexer of the shape it knows', () => {
    expect(corkFrames({} as ChannelModel)).toBe(false);
    const connection = { muxer: { out: {}, _readIncoming() {} } };
    const before = connection.muxer._readIncoming;
    expect(corkFrames({ connection } as unknown as ChannelModel)).toBe(false);
    expect(connection.muxer._readIncoming).toBe(before);
  });
});
