import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { drainRequest } from './bodyDrain.js';
import { ControlRecordLostError } from './ControlStream.js';
import { defaultDashboardDir, registerDashboard } from './dashboardRoutes.js';
import { createMetrics, type MetricsOptions } from './metrics.js';
import type { Scheduler } from './Scheduler.js';
import { statsStream, type StatsStreamOptions } from './statsStream.js';
import { parseStatsQuery, statsView } from './statsView.js';
import { checkAvailability, checkEvents, checkWeights, InvalidInputError } from './schemas.js';

export interface RestServerOptions {
  /** The bearer token every route but `GET /health` requires. */
  readonly token: string;
  /**
   * Largest request body, in bytes; larger ones get 413.
   * @default 1048576 (1 MiB)
   */
  readonly bodyLimit?: number;
  /**
   * A request answered while its body is still arriving (413 over `bodyLimit`, 401/403, 404, 415) has the rest of
   * its body read and discarded before the answer goes out, so that the client, still sending, gets to read it; up
   * to this many bytes more. Past that (or a declared Content-Length over it) the answer goes out with
   * `Connection: close` and the connection is closed.
   * @default 67108864 (64 MiB)
   */
  readonly drainLimit?: number;
  /**
   * The longest wait, in ms, for the rest of such a body (a client sending slowly holds nothing longer); then as
   * over `drainLimit`.
   * @default 10000
   */
  readonly drainTimeout?: number;
  /**
   * The dashboard page's folder (the Vite build of dashboard/), or false for none. The stream
   * (`GET /dashboard/stream`) is there either way.
   * @default dist/dashboard of the package, when it is built
   */
  readonly dashboard?: string | false;
  /** Timing of the dashboard's stats stream (throttle, heartbeat, broker look). */
  readonly stats?: StatsStreamOptions;
  /** `GET /metrics`: how many hosts get series of their own, and how long the stats stream runs after a scrape. */
  readonly metrics?: MetricsOptions;
}

export interface StartRestServerOptions extends RestServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** A running REST API: where it listens, and how to stop it. */
export interface RestServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The REST API of the scheduler service (fastify), feeding the same queues as AMQP producers:
 *
 * - `POST /events`: one event or an array; 202 `{ accepted }` once the broker confirmed every one of them.
 * - `PUT /availability`: an availability change; 200 `{ availability }` once it is in force.
 * - `PUT /weights`: host weights (`{ "<host>": turns }`); 200 `{ weights }` once they are in force (durable, shared).
 * - `GET /stats`: what the scheduler holds and has done, the library's `FairStats` snapshot (`library`: per host and
 *   VM queued and active, per host dispatches and waits since the previous `GET /stats`, Jain's index), and what
 *   waits in the broker; the per-host parts cut to the `?hosts=` (100) busiest.
 * - `GET /metrics`: Prometheus metrics (`rxjs_fair_*`), token required like the API.
 * - `GET /health`: 200 while it consumes from the broker, 503 otherwise; no token needed.
 * - `GET /`: the dashboard page (no token to load it; it asks for the token), and `GET /dashboard/stream`, its
 *   live data as Server-Sent Events (token), from one throttled stats stream shared by every client.
 *
 * Errors are JSON `{ error, reason, field? }`: 401 without a bearer token, 403 with a wrong one, 400 naming the
 * failing field, 413 over the body limit, 415 for a body that is not JSON, 503 while the broker is away or when the
 * control stream lost a change that the broker confirmed (send it again).
 */
export function createRestServer(scheduler: Scheduler, options: RestServerOptions): FastifyInstance {
  const { token, bodyLimit = 1024 * 1024, drainLimit = 64 * 1024 * 1024, drainTimeout = 10_000 } = options;
  if (typeof token !== 'string' || token === '') throw new TypeError('Expected a non-empty `token`');
  for (const [name, value, least] of [
    ['bodyLimit', bodyLimit, 1],
    ['drainLimit', drainLimit, 0],
    ['drainTimeout', drainTimeout, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < least)
      throw new TypeError(`Expected \`${name}\` to be an integer from ${least} up, got ${String(value)}`);
  }
  const expected = digest(token);
  const app = Fastify({ bodyLimit, logger: false, return503OnClosing: true });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else gets 415

  // An answer given while the body still arrives waits until the rest is read and discarded (bounded): answering and
  // closing at once makes a client still sending fail with EPIPE instead of reading the answer.
  app.addHook('onSend', async (request, reply, payload) => {
    const raw = request.raw;
    if (raw.complete || raw.readableEnded || raw.destroyed) return payload; // (complete: Node; readableEnded: inject)
    const declared = Number(raw.headers['content-length']);
    const drained = declared > drainLimit ? false : await drainRequest(raw, { bytes: drainLimit, ms: drainTimeout });
    // Drained: the connection is clean again, whatever fastify said when it refused the body.
    if (drained) reply.removeHeader('connection');
    else void reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match === null) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'Unauthorized', reason: 'an Authorization: Bearer <token> header is required' });
    }
    if (!timingSafeEqual(digest(match[1] as string), expected)) {
      return reply.code(403).send({ error: 'Forbidden', reason: 'wrong token' });
    }
  });

  app.get('/health', { config: { public: true } }, async (_request, reply) => {
    const consuming = scheduler.consuming;
    return reply.code(consuming ? 200 : 503).send({ status: consuming ? 'consuming' : 'not consuming' });
  });

  app.post('/events', async (request, reply) => {
    const events = checkEvents(request.body);
    const accepted = await scheduler.publishEvents(events);
    return reply.code(202).send({ accepted });
  });

  app.put('/availability', async (request, reply) => {
    const patch = checkAvailability(request.body);
    await scheduler.setAvailability(patch);
    return reply.code(200).send({ availability: scheduler.availability.toJSON() });
  });

  app.put('/weights', async (request, reply) => {
    const patch = checkWeights(request.body);
    await scheduler.setWeights(patch);
    return reply.code(200).send({ weights: scheduler.stats().weights });
  });

  app.get('/stats', async (request) => {
    const hosts = parseStatsQuery(request.query as Record<string, unknown>);
    return statsView(
      {
        ...scheduler.stats(),
        library: scheduler.fairSnapshot(),
        inBroker: await scheduler.queueDepths().catch(() => ({})),
      },
      hosts,
    );
  });

  // One stats stream for the dashboard's clients and the metrics: the broker's queues are read once for all.
  const snapshots = statsStream(scheduler, options.stats);
  registerDashboard(app, {
    dir: options.dashboard === undefined ? defaultDashboardDir() : options.dashboard,
    snapshots,
  });

  const metrics = createMetrics(scheduler, snapshots, options.metrics);
  app.addHook('onClose', async () => metrics.close());
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.scrape()));

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send({ error: 'Not Found', reason: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.setErrorHandler(
    (error: FastifyError | InvalidInputError | Error, _request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof InvalidInputError) {
        return reply.code(400).send({ error: 'Bad Request', field: error.field, reason: error.reason });
      }
      const { code, statusCode } = error as FastifyError;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .code(413)
          .send({ error: 'Payload Too Large', reason: `the body is larger than the limit of ${bodyLimit} bytes` });
      }
      if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return reply.code(415).send({ error: 'Unsupported Media Type', reason: 'the body must be application/json' });
      }
      if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
        return reply.code(400).send({ error: 'Bad Request', field: '(body)', reason: 'is empty' });
      }
      if (statusCode === 400) {
        return reply
          .code(400)
          .send({ error: 'Bad Request', field: '(body)', reason: `malformed JSON: ${error.message}` });
      }
      if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
        return reply.code(statusCode).send({ error: 'Client Error', reason: error.message });
      }
      if (!scheduler.consuming)
        return reply.code(503).send({ error: 'Service Unavailable', reason: 'the broker is not connected' });
      if (error instanceof ControlRecordLostError)
        return reply.code(503).send({ error: 'Service Unavailable', reason: error.message });
      return reply.code(500).send({ error: 'Internal Server Error', reason: error.message });
    },
  );

  return app;
}

/** Creates the REST API and listens; resolves once it accepts connections. */
export async function startRestServer(scheduler: Scheduler, options: StartRestServerOptions): Promise<RestServer> {
  const { port, host = '127.0.0.1' } = options;
  const app = createRestServer(scheduler, options);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close().catch(() => {});
    const { code, message } = error as { code?: string; message: string };
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EADDRNOTAVAIL'
            ? 'no such address here'
            : message;
    throw new Error(`--http: cannot listen on ${host}:${port}: ${why}`, { cause: error });
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    close: () => app.close(),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
