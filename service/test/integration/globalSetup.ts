/**
 * Starts a private RabbitMQ for the integration tests (broker.sh: installs Debian's rabbitmq-server when it is
 * missing) and hands its URL to the tests as `inject('amqpUrl')`; stops it when they are done.
 *
 * - `RXJS_FAIR_AMQP_URL=amqp://...` uses that broker instead (nothing is started or stopped); the test that restarts
 *   the broker then needs `RXJS_FAIR_BROKER_DIR`, the folder `broker.sh start` printed, and skips saying so without it.
 * - `RXJS_FAIR_SKIP_BROKER=1` skips the integration tests, saying so, except with `CI=true`.
 * - Otherwise a broker that cannot be installed or started fails the run: the tests never skip silently.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const script = fileURLToPath(new URL('./broker.sh', import.meta.url));
const run = promisify(execFile);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.RXJS_FAIR_AMQP_URL;
  if (given !== undefined && given !== '') {
    project.provide('amqpUrl', given);
    // A broker folder of broker.sh (RXJS_FAIR_BROKER_DIR) lets the reconnection test restart that broker.
    project.provide('brokerDir', process.env.RXJS_FAIR_BROKER_DIR ?? '');
    return undefined;
  }
  if (process.env.RXJS_FAIR_SKIP_BROKER === '1') {
    if (process.env.CI === 'true')
      throw new Error('RXJS_FAIR_SKIP_BROKER=1 is not allowed with CI=true: the integration tests need RabbitMQ');
    process.stderr.write('\n*** RXJS_FAIR_SKIP_BROKER=1: the integration tests (real RabbitMQ) are SKIPPED ***\n\n');
    project.provide('amqpUrl', '');
    project.provide('brokerDir', '');
    return undefined;
  }
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start'], { timeout: 600_000, maxBuffer: 1 << 20 }));
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(
      `The integration tests need RabbitMQ and could not start it (service/test/integration/broker.sh start): ${message}\n${stderr ?? ''}\n` +
        'Set RXJS_FAIR_AMQP_URL to use a running broker, or RXJS_FAIR_SKIP_BROKER=1 to skip these tests (not with CI=true).',
      { cause: error },
    );
  }
  const [dir, url] = stdout.trim().split('\n');
  if (dir === undefined || url === undefined || !url.startsWith('amqp://'))
    throw new Error(`broker.sh start printed ${JSON.stringify(stdout)}`);
  project.provide('amqpUrl', url);
  project.provide('brokerDir', dir);
  return async () => {
    await run('bash', [script, 'stop', dir], { timeout: 120_000 });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The broker's URL, or '' when the integration tests are skipped on purpose. */
    amqpUrl: string;
    /** The broker's folder (for `broker.sh restart`), or '' when the broker is not ours to restart. */
    brokerDir: string;
  }
}
