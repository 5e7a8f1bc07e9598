import type { IncomingMessage } from 'node:http';

/** How much of a refused request's body the server reads and discards before answering. */
export interface DrainLimits {
  /** Most bytes read past the point of refusal. */
  readonly bytes: number;
  /** Longest wait, in ms, for the rest of the body. */
  readonly ms: number;
}

/**
 * Reads and discards what is left of a request's body, so that a client still sending it can finish and then read
 * the answer: a server that answers and closes while the client is sending makes the client fail with EPIPE or
 * ECONNRESET instead of reading the answer (fastify closes after a refused body: 413, 415, malformed JSON; Node
 * closes after an answer with `Connection: close`).
 *
 * Resolves true once the body has ended (or the client went away), false when `limits` ran out first: the request
 * is then paused, and the caller should answer with `Connection: close` and let the connection go.
 */
export function drainRequest(request: IncomingMessage, limits: DrainLimits): Promise<boolean> {
  if (request.complete || request.readableEnded || request.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    let read = 0;
    const onData = (chunk: Buffer | string) => {
      read += chunk.length;
      if (read > limits.bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const timer = setTimeout(() => finish(false), limits.ms);
    function finish(ended: boolean) {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onEnd);
      request.off('error', onEnd);
      if (!ended) request.pause();
      resolve(ended);
    }
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onEnd);
    request.once('error', onEnd);
    request.resume();
  });
}
