import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, topology } from '../../src/index.js';
import { cleanUp, finish, start, tempDir } from '../support/cli.js';
import { amqpUrl, drainHost, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const handler = fileURLToPath(new URL('./fixtures/recordingHandler.mjs', import.meta.url));

afterEach(cleanUp);

describe.skipIf(amqpUrl === '')('rxjs-fair serve and produce (real broker)', () => {
  it('serves: one line once consuming, runs what `produce --generate` publishes, and on SIGTERM lets running actions finish and exits 0', async () => {
    const namespace = uniqueNamespace('cli');
    const record = join(tempDir(), 'record.txt');
    writeFileSync(record, '');
    const serve = start(
      ['serve', '--amqp', amqpUrl, '--namespace', namespace, '--concurrency', '2', '--handler', handler],
      { RECORD_FILE: record },
    );
    await waitFor(
      'the ready line',
      () => serve.stdout.includes('\n'),
      30_000,
      () => serve.stderr,
    );
    expect(serve.stdout).toMatch(
      /^rxjs-fair serve: consuming from amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ \(16 shards, concurrency 2, prefetch 2\)\n$/,
    );

    const produce = start([
      'produce',
      '--amqp',
      amqpUrl,
      '--namespace',
      namespace,
      '--generate',
      '--hosts',
      '3',
      '--events',
      '300',
      '--skew',
      '0.5',
    ]);
    expect(await finish(produce)).toBe(0);
    expect(produce.stdout).toMatch(
      /^rxjs-fair produce: 300 events confirmed by amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ in [\d.]+ s \(\d+ events\/s\)\n$/,
    );
    await waitFor(
      '300 events done',
      () =>
        readFileSync(record, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('end ')).length === 300,
    );

    // Two slow actions running, two more queued behind them: SIGTERM.
    writeFileSync(record, '');
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    await producer.publish(
      ['s1', 's2', 's3', 's4'].map((id) => ({
        id,
        host: 'slow',
        vm: 'vm',
        policy: 'p',
        action: 'a',
        payload: { ms: 1500 },
      })),
    );
    await producer.close();
    await waitFor(
      'two slow actions to start',
      () =>
        readFileSync(record, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('start ')).length === 2,
    );
    serve.child.kill('SIGTERM');
    expect(await finish(serve, 15_000)).toBe(0);
    const lines = readFileSync(record, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('start '))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('end '))).toHaveLength(2); // finished, not cut off
    const connection = await rawConnection();
    try {
      const left = await drainHost(connection, topology({ namespace }), 'slow');
      expect(left.map((e) => e.id).sort()).toEqual(['s3', 's4']); // the rest stays in the broker
    } finally {
      await connection.close();
    }
  });

  it('serves the REST API with --http and a token from RXJS_FAIR_TOKEN, with the body limit of --body-limit', async () => {
    const namespace = uniqueNamespace('cli-http');
    const serve = start(['serve', '--amqp', amqpUrl, '--namespace', namespace, '--http', '0', '--body-limit', '300'], {
      RXJS_FAIR_TOKEN: 'env-token',
    });
    await waitFor(
      'the ready line',
      () => serve.stdout.includes('\n'),
      30_000,
      () => serve.stderr,
    );
    const url = /REST on (http:\/\/127\.0\.0\.1:\d+)\)$/m.exec(serve.stdout)?.[1];
    expect(url, serve.stdout).toBeDefined();
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // The dashboard: the page loads without a token (404 saying how to build it when dist/dashboard is missing); its
    // data does not.
    const page = await fetch(`${url}/`);
    expect([200, 404]).toContain(page.status);
    expect(await page.text()).toMatch(page.status === 200 ? /<title>rxjs-fair scheduler<\/title>/ : /npm run build/);
    expect((await fetch(`${url}/dashboard/stream`)).status).toBe(401);
    const post = (body: unknown) =>
      fetch(`${url}/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer env-token', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ id: '1', host: 'h', vm: 'v', policy: 'p', action: 'a', payload: { ms: 1 } })).status).toBe(
      202,
    );
    expect(
      (await post({ id: '2', host: 'h', vm: 'v', policy: 'p', action: 'a', payload: 'x'.repeat(300) })).status,
    ).toBe(413);
    serve.child.kill('SIGTERM');
    expect(await finish(serve, 15_000)).toBe(0);
  });

  // The other bad configurations are refused before any connection: service/test/cli.test.ts, without a broker.
  it('refuses an --http port in use once connected, with one line naming it, and a non-zero exit', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    const args = ['serve', '--amqp', amqpUrl, '--http', String(takenPort), '--token', 't'];
    const run = start(args);
    const code = await finish(run);
    expect(code, args.join(' ')).not.toBe(0);
    expect(run.stderr.trim().split('\n'), `${args.join(' ')}: ${run.stderr}`).toHaveLength(1);
    expect(run.stderr, args.join(' ')).toMatch(
      new RegExp(`^rxjs-fair: --http: cannot listen on 127\\.0\\.0\\.1:${takenPort}: the port is in use`),
    );
    expect(run.stdout, args.join(' ')).toBe('');
    taken.close();
  });

  it('produces from an NDJSON or a JSON file, and reports the line of a bad one', async () => {
    const namespace = uniqueNamespace('ndjson');
    const dir = tempDir();
    const good = join(dir, 'good.ndjson');
    writeFileSync(
      good,
      [
        '{"id":"1","host":"h","vm":"v","policy":"p","action":"heal"}',
        '',
        '{"id":"2","host":"h","vm":"v","policy":"p","action":"heal","payload":{"x":1}}',
      ].join('\n'),
    );
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(
      bad,
      '{"id":"1","host":"h","vm":"v","policy":"p","action":"heal"}\n{"id":"2","host":"h","vm":"v","action":"heal"}\n',
    );
    const ok = start(['produce', '--amqp', amqpUrl, '--namespace', namespace, '--file', good]);
    expect(await finish(ok)).toBe(0);
    expect(ok.stdout).toMatch(/^rxjs-fair produce: 2 events confirmed/);
    const array = join(dir, 'events.json');
    writeFileSync(
      array,
      JSON.stringify([
        { id: '3', host: 'h', vm: 'v', policy: 'p', action: 'heal' },
        { id: '4', host: 'h', vm: 'v', policy: 'p', action: 'heal' },
      ]),
    );
    const fromJson = start(['produce', '--amqp', amqpUrl, '--namespace', namespace, '--file', array]);
    expect(await finish(fromJson)).toBe(0);
    expect(fromJson.stdout).toMatch(/^rxjs-fair produce: 2 events confirmed/);
    const ko = start(['produce', '--amqp', amqpUrl, '--namespace', namespace, '--file', bad]);
    expect(await finish(ko)).not.toBe(0);
    expect(ko.stderr).toMatch(/^rxjs-fair: .*bad\.ndjson:2: policy: is required\n$/);
    expect(existsSync(good)).toBe(true);
  });
});
