import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('../integration/broker.sh', import.meta.url));
const run = promisify(execFile);

/** A RabbitMQ for a browser test, and how to stop it (a no-op for one given by RXJS_FAIR_AMQP_URL). */
export interface TestBroker {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a private RabbitMQ with service/test/integration/broker.sh, as the integration tests' global setup does (only the
 * test that needs it pays for it: the demo page's tests start none). `RXJS_FAIR_AMQP_URL` uses that broker instead.
 * A broker that cannot start fails the test, with broker.sh's reason.
 */
export async function startTestBroker(): Promise<TestBroker> {
  const given = process.env['RXJS_FAIR_AMQP_URL'];
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start'], { timeout: 600_000, maxBuffer: 1 << 20 }));
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(
      `The dashboard test needs RabbitMQ and could not start it (service/test/integration/broker.sh start): ${message}\n${stderr ?? ''}`,
      { cause: error },
    );
  }
  const [dir, url] = stdout.trim().split('\n');
  if (dir === undefined || url === undefined || !url.startsWith('amqp://'))
    throw new Error(`broker.sh start printed ${JSON.stringify(stdout)}`);
  return { url, stop: async () => void (await run('bash', [script, 'stop', dir], { timeout: 120_000 })) };
}
