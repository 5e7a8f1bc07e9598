// The REST edge without a broker: the token check and the bounded reading of refused bodies, against a stub
// scheduler (nothing here reaches it). The same routes against the real broker: integration/rest.test.ts,
// integration/restEdge.test.ts.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ControlRecordLostError } from '../src/ControlStream.js';
import { createRestServer, type RestServerOptions } from '../src/restServer.js';
import type { Scheduler } from '../src/Scheduler.js';
import { checkEvent, MAX_DEPTH } from '../src/schemas.js';

const TOKEN = 'test-token-123';
const stub = { consuming: true } as unknown as Scheduler;
const servers: FastifyInstance[] = [];

async function listen(options: Partial<RestServerOptions> = {}, scheduler = stub): Promise<number> {
  const app = createRestServer(scheduler, { token: TOKEN, dashboard: false, ...options });
  servers.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((app) => app.close()));
});

/** A raw HTTP/1.1 exchange: what the client wrote, what it read, and when the server closed. */
interface Exchange {
  readonly socket: Socket;
  readonly written: () => number;
  readonly answer: () => string;
  readonly closed: Promise<number>;
}

function rawRequest(port: number, head: string): Exchange {
  const socket = connect(port, '127.0.0.1');
  const start = Date.now();
  let written = 0;
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => (answer += text));
  socket.on('error', () => {}); // EPIPE/ECONNRESET once the server lets go: what counts is what was read
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  socket.write(head);
  const write = socket.write.bind(socket);
  socket.write = ((chunk: Buffer, ...rest: never[]) => {
    written += chunk.length;
    return write(chunk, ...rest);
  }) as typeof socket.write;
  return { socket, written: () => written, answer: () => answer, closed };
}

const head = (lines: string[]) =>
  [
    'POST /events HTTP/1.1',
    'Host: 127.0.0.1',
    `Authorization: Bearer ${TOKEN}`,
    'Content-Type: application/json',
    ...lines,
    '',
    '',
  ].join('\r\n');

describe('token check', () => {
  it('refuses a token of another length, or of the same length, with 403 and without throwing', async () => {
    const app = createRestServer(stub, { token: TOKEN, dashboard: false });
    servers.push(app);
    for (const token of ['x', `${TOKEN}4`, TOKEN.slice(0, -1), 'x'.repeat(TOKEN.length), 'é'.repeat(5000)]) {
      const response = await app.inject({
        method: 'GET',
        url: '/stats',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode, token).toBe(403);
      expect(response.json()).toEqual({ error: 'Forbidden', reason: 'wrong token' });
    }
    const none = await app.inject({ method: 'GET', url: '/stats' });
    expect(none.statusCode).toBe(401);
  });
});

describe('event depth', () => {
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  const event = { id: '1', host: 'h', vm: 'v', policy: 'p', action: 'a' };

  it(`takes fields nested ${MAX_DEPTH} deep and refuses deeper ones with 400, at any depth, naming the field`, async () => {
    expect(checkEvent({ ...event, payload: nested(MAX_DEPTH) })).toBeTruthy();
    const app = createRestServer(stub, { token: TOKEN, dashboard: false });
    servers.push(app);
    const post = (body: unknown) =>
      app.inject({
        method: 'POST',
        url: '/events',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const reason = `must not nest deeper than ${MAX_DEPTH} levels`;
    for (const depth of [MAX_DEPTH + 1, 3000]) {
      const response = await post({ ...event, payload: nested(depth) });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'Bad Request', field: 'payload', reason });
    }
    // 100,000 deep: JSON.stringify would overflow the stack; the check does not.
    const deepest = await app.inject({
      method: 'POST',
      url: '/events',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: `[${JSON.stringify(event)},${JSON.stringify(event).replace(/}$/, `,"extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)}]`,
    });
    expect(deepest.json()).toEqual({ error: 'Bad Request', field: '[1].extra', reason });
  });
});

describe('refused bodies are read and discarded, within bounds, before the answer', () => {
  it('lets a client finish sending an oversize body and read 413, keeping the connection', async () => {
    const port = await listen({ bodyLimit: 1024 });
    const body = Buffer.alloc(4 * 1024 * 1024, 'x');
    const exchange = rawRequest(port, head([`Content-Length: ${body.length}`]));
    exchange.socket.write(body);
    // The answer comes once the whole body was read; then the connection serves another request.
    await expect.poll(exchange.answer, { timeout: 10_000 }).toMatch(/\r\n\r\n\{.*\}$/s);
    expect(exchange.answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.answer()).toContain('"reason":"the body is larger than the limit of 1024 bytes"');
    expect(exchange.answer()).not.toMatch(/\r\nconnection: close\r\n/i);
    const before = exchange.answer().length;
    exchange.socket.write(['GET /health HTTP/1.1', 'Host: 127.0.0.1', '', ''].join('\r\n'));
    await expect
      .poll(() => exchange.answer().slice(before), { timeout: 10_000 })
      .toMatch(/^HTTP\/1\.1 200 .*consuming/s);
    exchange.socket.end();
    await exchange.closed;
  });

  it('answers a declared Content-Length over the drain limit at once, without reading it, and closes', async () => {
    const port = await listen({ drainLimit: 1024 * 1024 });
    const exchange = rawRequest(port, head([`Content-Length: ${1024 ** 3}`]));
    exchange.socket.write(Buffer.alloc(1000, 'x'));
    const ms = await exchange.closed;
    expect(exchange.answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.answer()).toMatch(/\r\nconnection: close\r\n/i);
    expect(ms).toBeLessThan(5000);
  });

  it('gives up on a slow body after the drain timeout: 413 with Connection: close', async () => {
    const port = await listen({ drainTimeout: 300 });
    const exchange = rawRequest(port, head([`Content-Length: ${16 * 1024 * 1024}`]));
    exchange.socket.write(Buffer.alloc(1000, 'x')); // and then nothing, as a slow-loris client would
    const ms = await exchange.closed;
    expect(exchange.answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.answer()).toMatch(/\r\nconnection: close\r\n/i);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(5000);
  });

  it('stops reading an endless chunked body past the drain limit and closes', async () => {
    const port = await listen({ bodyLimit: 1024, drainLimit: 1024 * 1024 });
    const exchange = rawRequest(port, head(['Transfer-Encoding: chunked']));
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 'x'), Buffer.from('\r\n')]);
    let open = true;
    void exchange.closed.then(() => (open = false));
    // Writes as fast as the server reads, until it lets go.
    while (open && exchange.written() < 256 * 1024 * 1024) {
      if (!exchange.socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await exchange.closed;
    // The server read at most its body and drain limits (plus what the kernel buffers: about 4 MiB in all here),
    // never the 256 MiB. (The 413 goes out before the close, best effort: the client may get a reset first.)
    expect(exchange.written()).toBeLessThan(32 * 1024 * 1024);
  });

  it('reads an unauthenticated body too before answering 401', async () => {
    const port = await listen();
    const body = Buffer.alloc(4 * 1024 * 1024, 'x');
    const exchange = rawRequest(
      port,
      ['POST /events HTTP/1.1', 'Host: 127.0.0.1', `Content-Length: ${body.length}`, '', ''].join('\r\n'),
    );
    exchange.socket.write(body);
    await expect.poll(exchange.answer, { timeout: 10_000 }).toMatch(/\r\n\r\n\{.*\}$/s);
    expect(exchange.answer()).toMatch(/^HTTP\/1\.1 401 /);
    exchange.socket.end();
    await exchange.closed;
  });

  it('checks its options', () => {
    expect(() => createRestServer(stub, { token: TOKEN, dashboard: false, drainLimit: -1 })).toThrow(
      /`drainLimit` to be an integer from 0 up, got -1/,
    );
    expect(() => createRestServer(stub, { token: TOKEN, dashboard: false, drainTimeout: 1.5 })).toThrow(
      /`drainTimeout`/,
    );
    expect(() => createRestServer(stub, { token: TOKEN, dashboard: false, bodyLimit: 0 })).toThrow(/`bodyLimit`/);
  });
});

describe('a change the control stream lost', () => {
  it('answers 503, not 500, so that the operator sends it again', async () => {
    const scheduler = {
      consuming: true,
      setWeights: () => Promise.reject(new ControlRecordLostError('weights')),
    } as unknown as Scheduler;
    const port = await listen({}, scheduler);
    const response = await fetch(`http://127.0.0.1:${port}/weights`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ h1: 2 }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reason: string }).reason).toMatch(/lost a record .*\(weights\): try again/);
  });
});
