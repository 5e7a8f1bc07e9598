import { connect, type ChannelModel } from 'amqplib';

/**
 * Connects to RabbitMQ. A failure is one line that names the broker (without its password) and what went wrong:
 * "cannot connect to the broker at amqp://guest:***@127.0.0.1:5673: connection refused".
 */
export async function connectBroker(url: string, timeoutMs = 10_000): Promise<ChannelModel> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--amqp: ${JSON.stringify(url)} is not a URL (expected amqp://user:password@host:port)`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new Error(`--amqp: expected an amqp:// or amqps:// URL, got ${redactUrl(url)}`);
  }
  try {
    // noDelay: the service writes many small frames (acks, confirms of small messages); Nagle's algorithm would hold
    // each behind the broker's delayed TCP ack, costing tens of milliseconds a round trip.
    return await connect(url, {
      timeout: timeoutMs,
      noDelay: true,
      clientProperties: { connection_name: 'rxjs-fair' },
    });
  } catch (error) {
    throw new Error(`cannot connect to the broker at ${redactUrl(url)}: ${describeConnectError(error)}`, {
      cause: error,
    });
  }
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
