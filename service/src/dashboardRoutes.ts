import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { map, type Observable } from 'rxjs';
import { dashboardView, MAX_LIMIT, type StatsSnapshot, type ViewQuery } from './dashboardView.js';
import { InvalidInputError, MAX_KEY_LENGTH } from './schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a token (the health check, the dashboard's page and its static files). */
    public?: boolean;
  }
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The page may only load its own script and styles and talk to this server: no inline script, no third party. The
 * token lives in the page's memory and travels in the Authorization header only.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly cacheControl: string;
}

/**
 * Where the built dashboard is (dashboard/, built by Vite into dist/dashboard/ by `npm run build`): next to
 * this module in the package (dist/), or in dist/ of the package's folder when running from src/.
 */
export function defaultDashboardDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'dashboard'), join(here, '..', 'dist', 'dashboard')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** Reads the built page into memory (a few tens of KB): `index.html` and `assets/*`. */
function loadDashboard(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const add = (path: string, cacheControl: string) => {
    const file = join(dir, path);
    if (!statSync(file).isFile()) return;
    files.set(path, {
      body: readFileSync(file),
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      cacheControl,
    });
  };
  add('index.html', 'no-cache');
  const assets = join(dir, 'assets');
  if (existsSync(assets)) {
    // Vite names assets by their content hash: they never change under one name.
    for (const name of readdirSync(assets)) add(`assets/${name}`, 'public, max-age=31536000, immutable');
  }
  return files;
}

export interface DashboardRouteOptions {
  /** The built page's folder; false: no page (the stream stays). */
  readonly dir: string | false | undefined;
  readonly snapshots: Observable<StatsSnapshot>;
}

/**
 * The dashboard on a fastify app: the page at `/` and its files at `/assets/*` (public: the page asks for the token
 * and shows nothing without it), and `GET /dashboard/stream` (token), Server-Sent Events of `DashboardView` JSON.
 * The stream's query: `limit`, `offset` (paging the hosts by backlog), `search` (hosts whose name contains it),
 * `host` (list that host's VMs). A slow client skips snapshots (the latest waits for the socket to drain).
 */
export function registerDashboard(app: FastifyInstance, options: DashboardRouteOptions): void {
  const { dir, snapshots } = options;
  const files = dir === false || dir === undefined ? undefined : loadDashboard(dir);
  const missing =
    'The dashboard page is not built. From a checkout, run `npm run build` (it builds service/dashboard/ into service/dist/dashboard/). ' +
    'The API and GET /dashboard/stream work without it.\n';

  const serve = (path: string) => (_request: unknown, reply: import('fastify').FastifyReply) => {
    const file = files?.get(path);
    if (file === undefined) {
      return path === 'index.html'
        ? reply.code(404).type('text/plain; charset=utf-8').send(missing)
        : reply.code(404).send({ error: 'Not Found', reason: `no file ${path}` });
    }
    return reply
      .code(200)
      .headers(PAGE_HEADERS)
      .header('cache-control', file.cacheControl)
      .type(file.type)
      .send(file.body);
  };
  app.get('/', { config: { public: true } }, serve('index.html'));
  app.get<{ Params: { name: string } }>('/assets/:name', { config: { public: true } }, (request, reply) =>
    serve(`assets/${request.params.name}`)(request, reply),
  );

  const open = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const response of open) response.end();
    open.clear();
    done();
  });

  // No HEAD twin: a stream has no headers-only answer.
  app.get('/dashboard/stream', { exposeHeadRoute: false }, (request, reply) => {
    const query = parseViewQuery(request.query as Record<string, unknown>);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      ...PAGE_HEADERS,
    });
    response.write(': rxjs-fair dashboard stream\n\n');
    open.add(response);
    // Latest wins: while the socket is full, only the newest snapshot waits.
    let blocked = false;
    let waiting: string | undefined;
    const send = (frame: string) => {
      if (blocked) {
        waiting = frame;
        return;
      }
      blocked = !response.write(frame);
    };
    response.on('drain', () => {
      blocked = false;
      const frame = waiting;
      waiting = undefined;
      if (frame !== undefined) send(frame);
    });
    const subscription = snapshots
      .pipe(map((snapshot) => `data: ${JSON.stringify(dashboardView(snapshot, query))}\n\n`))
      .subscribe({
        next: send,
        error: () => response.end(),
      });
    response.on('close', () => {
      subscription.unsubscribe();
      open.delete(response);
    });
  });
}

/** The stream's query string, checked: 400 naming the field otherwise. */
export function parseViewQuery(query: Record<string, unknown>): ViewQuery {
  const integer = (field: string, least: number, most: number): number | undefined => {
    const raw = query[field];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(value) || value < least || value > most) {
      throw new InvalidInputError(field, `must be an integer from ${least} to ${most}`);
    }
    return value;
  };
  const text = (field: string, most: number): string | undefined => {
    const raw = query[field];
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw !== 'string' || raw.length > most)
      throw new InvalidInputError(field, `must be one string of at most ${most} characters`);
    return raw;
  };
  const limit = integer('limit', 1, MAX_LIMIT);
  const offset = integer('offset', 0, Number.MAX_SAFE_INTEGER);
  const search = text('search', MAX_KEY_LENGTH);
  const host = text('host', MAX_KEY_LENGTH);
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(offset === undefined ? {} : { offset }),
    ...(search === undefined ? {} : { search }),
    ...(host === undefined ? {} : { host }),
  };
}
