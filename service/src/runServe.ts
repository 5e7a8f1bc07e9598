import type { ServeFlags } from './commands.js';
import { redactUrls } from './connectBroker.js';
import { loadHandler } from './loadHandler.js';
import { Scheduler } from './Scheduler.js';
import { SHARDS } from './topology.js';

/**
 * `rxjs-fair serve`: loads the handler, starts the scheduler (and the REST API with `--http`), prints one line
 * once it consumes, and runs until SIGTERM or SIGINT: then it stops taking messages, lets running actions finish
 * (at most `--shutdown-timeout`) and resolves. A bad configuration rejects with a one-line reason.
 */
export async function runServe(flags: ServeFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const token = flags.token === '' ? undefined : flags.token;
  if (flags.http !== undefined && token === undefined) {
    throw new Error('--http needs a bearer token: give --token <token> or set RXJS_FAIR_TOKEN');
  }
  if (flags.priorityEvery !== undefined && flags.priority === undefined)
    throw new Error('--priority-every needs priority levels: give --priority <actions>');
  const handle = await loadHandler(flags.handler);
  const scheduler = new Scheduler({
    url: flags.amqp,
    handle,
    concurrency: flags.concurrency,
    ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
    namespace: flags.namespace,
    maxAttempts: flags.maxAttempts,
    retryDelay: flags.retryDelay,
    actionTimeout: flags.actionTimeout,
    dedupeWindow: flags.dedupeWindow,
    ...(flags.caps === undefined ? {} : { caps: flags.caps }),
    ...(flags.rate === undefined ? {} : { rate: flags.rate }),
    ...(flags.cost === undefined ? {} : { cost: flags.cost }),
    ...(flags.latest === undefined ? {} : { latest: flags.latest }),
    ...(flags.priority === undefined
      ? {}
      : {
          priority: {
            levels: flags.priority,
            ...(flags.priorityEvery === undefined ? {} : { every: flags.priorityEvery }),
          },
        }),
  });
  let stopHttp: (() => Promise<void>) | undefined;
  let httpLine = '';
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        await stopHttp?.().catch(() => {});
        await scheduler.stop(flags.shutdownTimeout);
        resolve();
      })();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await scheduler.start();
  if (flags.http !== undefined && token !== undefined) {
    try {
      const { startRestServer } = await import('./restServer.js');
      const server = await startRestServer(scheduler, {
        port: flags.http,
        host: flags.httpHost,
        token,
        bodyLimit: flags.bodyLimit,
      });
      stopHttp = server.close;
      httpLine = `, REST on ${server.url}`;
    } catch (error) {
      await scheduler.stop(0);
      throw error;
    }
  }
  out.write(
    `rxjs-fair serve: consuming from ${redactUrls(flags.amqp)} (${SHARDS} shards, concurrency ${scheduler.concurrency}, prefetch ${scheduler.prefetch}${httpLine})\n`,
  );
  await stopped;
}
