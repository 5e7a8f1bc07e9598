// The REST edge against the real broker: an oversize body always gets its 413, with the CPU busy.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.js';
import { startRestServer, type RestServer } from '../../src/restServer.js';
import { amqpUrl, uniqueNamespace } from './helpers.js';

const TOKEN = 'test-token-edge';
const client = fileURLToPath(new URL('./fixtures/postOversize.mjs', import.meta.url));
const run = promisify(execFile);

describe.skipIf(amqpUrl === '')('REST edge (real broker)', () => {
  let scheduler: Scheduler;
  let server: RestServer;
  let burners: ChildProcess[] = [];

  beforeAll(async () => {
    scheduler = new Scheduler({ url: amqpUrl, namespace: uniqueNamespace('edge'), concurrency: 2, handle: () => {} });
    server = await startRestServer(scheduler, { port: 0, token: TOKEN });
    await scheduler.start();
  });

  afterAll(async () => {
    for (const burner of burners) burner.kill('SIGKILL');
    await server?.close();
    await scheduler?.stop(5000);
  });

  it('answers 413 to 20 of 20 POSTs of 16 MiB (1 MiB limit) with the CPU busy, declared or chunked', async () => {
    // One busy loop per core, in processes of their own, while a client in a process of its own posts.
    burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    try {
      for (const mode of ['length', 'chunked']) {
        const { stdout } = await run(process.execPath, [client], {
          env: { ...process.env, URL: `${server.url}/events`, TOKEN: TOKEN, TRIES: '20', MODE: mode },
          timeout: 110_000,
        });
        console.log(`413 with the CPU busy, ${mode}: ${stdout.trim()}`);
        expect(JSON.parse(stdout), mode).toEqual({ 413: 20 });
      }
    } finally {
      for (const burner of burners) burner.kill('SIGKILL');
      burners = [];
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
