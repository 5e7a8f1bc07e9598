import type { ChannelModel } from 'amqplib';

interface Internals {
  readonly connection?: {
    readonly muxer?: { _readIncoming?: () => void; readonly out?: { cork?: () => void; uncork?: () => void } };
  };
}

/**
 * Makes amqplib write the frames of one pass of its multiplexer (every frame its channels queued since the last
 * pass: a turn's acks and publishes) to the socket in one system call, where it writes each frame on its own: a
 * system call (and, with `noDelay`, a TCP segment) per ack costs more than everything else amqplib does for a
 * message. Nothing waits longer: the pass writes what it has at its end. Reaches into amqplib's internals (its `Mux`),
 * so it checks their shape and does nothing (false) when they differ; the frames and their order are the same either
 * way.
 */
export function corkFrames(model: ChannelModel): boolean {
  const muxer = (model as unknown as Internals).connection?.muxer;
  const out = muxer?.out;
  const pass = muxer?._readIncoming;
  if (muxer === undefined || out === undefined || typeof pass !== 'function') return false;
  if (typeof out.cork !== 'function' || typeof out.uncork !== 'function') return false;
  muxer._readIncoming = function corked(this: unknown) {
    out.cork?.();
    try {
      pass.call(this);
    } finally {
      out.uncork?.();
    }
  };
  return true;
}
