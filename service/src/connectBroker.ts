import { connect, type ChannelModel } from 'amqplib';
import { corkFrames } from './corkFrames.js';
import { HEARTBEAT_SECONDS } from './topology.js';

/** One broker URL, or the nodes of a cluster: a list, or one string of URLs separated by commas. */
export type BrokerUrls = string | readonly string[];

/** The URLs of `urls`, each checked (`amqp://` or `amqps://`); a TypeError names a bad one. */
export function brokerUrls(urls: BrokerUrls): string[] {
  const list = (typeof urls === 'string' ? [urls] : [...urls]).flatMap((url) =>
    typeof url === 'string' ? url.split(',').map((part) => part.trim()) : [url],
  );
  if (list.length === 0 || list.some((url) => url === '')) {
    throw new TypeError('Expected `url` to be an amqp:// URL, or a list of the nodes of a cluster');
  }
  for (const url of list) {
    let parsed: URL;
    try {
      parsed = new URL(url as string);
    } catch {
      throw new TypeError(`--amqp: ${JSON.stringify(url)} is not a URL (expected amqp://user:password@host:port)`);
    }
    if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
      throw new TypeError(`--amqp: expected an amqp:// or amqps:// URL, got ${redactUrl(url as string)}`);
    }
  }
  return list as string[];
}

/** The URL with the service's heartbeat, unless it asks for one of its own (`?heartbeat=`). */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(HEARTBEAT_SECONDS));
  return parsed.toString();
}

/**
 * Connects to RabbitMQ: to the first node of `urls` that answers, starting with `urls[from]` (so that a reconnection
 * tries the other nodes before the one it lost). A failure is one line that names each broker (without its
 * password) and what went wrong: "cannot connect to the broker at amqp://guest:***@127.0.0.1:5673: connection
 * refused".
 */
export async function connectBroker(
  urls: readonly string[],
  from = 0,
  timeoutMs = 10_000,
): Promise<{ connection: ChannelModel; url: string; index: number }> {
  const failures: string[] = [];
  let last: unknown;
  for (let i = 0; i < urls.length; i++) {
    const index = (from + i) % urls.length;
    const url = urls[index] as string;
    try {
      // noDelay: the service writes many small frames (acks, confirms of small messages); Nagle's algorithm would
      // hold each behind the broker's delayed TCP ack, costing tens of milliseconds a round trip.
      const connection = await connect(withHeartbeat(url), {
        timeout: timeoutMs,
        noDelay: true,
        clientProperties: { connection_name: 'rxjs-fair' },
      });
      // noDelay sends each write at once: a write per pass of amqplib's frames, not one per frame.
      corkFrames(connection);
      return { connection, url, index };
    } catch (error) {
      last = error;
      failures.push(`${redactUrl(url)}: ${describeConnectError(error)}`);
    }
  }
  throw new Error(`cannot connect to the broker at ${failures.join('; ')}`, { cause: last });
}

/** The URLs with their passwords replaced by `***`, separated by commas. */
export function redactUrls(urls: readonly string[]): string {
  return urls.map(redactUrl).join(',');
}

/** The URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function describeConnectError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is RabbitMQ running on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
      return 'timed out';
    default:
      if (typeof message === 'string' && /ACCESS_REFUSED|403/.test(message))
        return 'access refused (wrong user or password)';
      if (typeof message === 'string' && /NOT_ALLOWED|vhost/i.test(message))
        return 'virtual host not found or not allowed';
      return (typeof message === 'string' && message.split('\n')[0]) || String(error);
  }
}
