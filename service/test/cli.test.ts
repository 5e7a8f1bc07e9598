// The CLI's refusals of a bad configuration, which come before any connection: no broker needed. What needs one
// (serving, producing, a port in use once connected) is in integration/cli.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, finish, freePort, start, type Run } from './support/cli.js';

afterEach(cleanUp);

describe('rxjs-fair serve and produce, without a broker', () => {
  it('refuses a bad configuration with one line naming what is wrong, and a non-zero exit', async () => {
    const closedPort = await freePort();
    // No broker there: every case but the first is refused before the CLI tries to connect.
    const amqpUrl = `amqp://127.0.0.1:${closedPort}`;
    const cases: [string[], RegExp][] = [
      [
        ['serve', '--amqp', `amqp://guest:secret@127.0.0.1:${closedPort}`],
        new RegExp(
          `^rxjs-fair: cannot connect to the broker at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}: connection refused`,
        ),
      ],
      [['serve', '--amqp', 'http://example'], /^rxjs-fair: --amqp: expected an amqp:\/\/ or amqps:\/\/ URL/],
      [
        ['serve', '--amqp', amqpUrl, '--handler', './no/such/handler.js'],
        /^rxjs-fair: --handler: \.\/no\/such\/handler\.js not found/,
      ],
      [
        ['serve', '--amqp', amqpUrl, '--handler', 'test/integration/fixtures/noHandle.mjs'],
        /^rxjs-fair: --handler: .*noHandle\.mjs exports no function `handle`/,
      ],
      [
        ['serve', '--amqp', amqpUrl, '--http', '70000', '--token', 't'],
        /^error: option '--http <port>' argument '70000' is invalid\. Expected a port number/,
      ],
      [['serve', '--amqp', amqpUrl, '--http', '0'], /^rxjs-fair: --http needs a bearer token/],
      [
        ['serve', '--amqp', amqpUrl, '--concurrency', '0'],
        /^error: option '--concurrency <n>' argument '0' is invalid/,
      ],
      [
        ['serve', '--amqp', amqpUrl, '--priority-every', '4'],
        /^rxjs-fair: --priority-every needs priority levels: give --priority <actions>/,
      ],
      [
        ['serve', '--amqp', amqpUrl, '--priority', 'heal', '--priority', 'migrate,heal'],
        /^error: option '--priority <actions>' argument 'migrate,heal' is invalid\. Expected each action in one level, got "heal" twice/,
      ],
      [['produce', '--amqp', amqpUrl], /^error: nothing to publish/],
      [['produce', '--amqp', amqpUrl, '--file', 'no-such.ndjson'], /^rxjs-fair: --file: no-such\.ndjson not found/],
      [
        ['produce', '--amqp', amqpUrl, '--availability', '{"h":"SLEEPING"}'],
        /^rxjs-fair: --availability: h: must be "ACTIVE"/,
      ],
    ];
    const runs = cases.map(([args]) => start(args));
    for (const [i, [args, expected]] of cases.entries()) {
      const run = runs[i] as Run;
      const code = await finish(run);
      expect(code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n'), `${args.join(' ')}: ${run.stderr}`).toHaveLength(1);
      expect(run.stderr, args.join(' ')).toMatch(expected);
      expect(run.stdout, args.join(' ')).toBe('');
    }
  }, 60_000); // ten CLIs started from source at once
});
