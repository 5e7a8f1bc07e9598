import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEvents, Producer, Scheduler } from '../../src/index.js';
import { amqpUrl, brokerDir, uniqueNamespace, waitFor } from './helpers.js';

const script = fileURLToPath(new URL('./broker.sh', import.meta.url));
const run = promisify(execFile);

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

// Restarting needs a broker of our own: globalSetup's (always, with CI=true), or RXJS_FAIR_BROKER_DIR's.
describe.skipIf(amqpUrl === '' || brokerDir === '')('broker restart (real broker)', () => {
  it('reconnects after the broker restarts in the middle of 20,000 events, and finishes with nothing missing', async () => {
    const namespace = uniqueNamespace('restart');
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    const ids = [...generateEvents({ hosts: 4, vms: 4, policies: 3, events: 20_000 })].map((e) => e.id);
    expect(await producer.publish(generateEvents({ hosts: 4, vms: 4, policies: 3, events: 20_000 }))).toBe(20_000);
    await producer.close();

    const counts = new Map<string, number>();
    let doneWhenLost = -1;
    const log: string[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 8,
      log: (line) => {
        log.push(line);
        if (line.includes('lost the broker')) doneWhenLost = counts.size;
      },
      handle: async (event) => {
        await sleep(2);
        counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      },
    });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    await waitFor('1,000 events done', () => counts.size >= 1000);
    expect(counts.size).toBeLessThan(5000);

    let sawDown = false;
    const watch = setInterval(() => (sawDown ||= !scheduler.consuming), 5);
    cleanup.push(async () => clearInterval(watch));
    const doneBefore = counts.size;
    await run('bash', [script, 'restart', brokerDir], { timeout: 120_000 });
    await waitFor(
      'every event done after the restart',
      () => counts.size === 20_000,
      90_000,
      () => ({ done: counts.size, log, stats: scheduler.stats() }),
    );
    clearInterval(watch);

    const missing = ids.filter((id) => !counts.has(id));
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `broker restart: ${doneBefore} done when it began, ${doneWhenLost} when the connection dropped, all 20,000 after it; ` +
        `${missing.length} missing, ${duplicates} ran twice, ${scheduler.stats().skipped} redeliveries skipped; log: ${log.join(' | ')}`,
    );
    expect(doneWhenLost).toBeGreaterThan(0);
    expect(doneWhenLost).toBeLessThan(20_000); // the broker went away in the middle of the run
    expect(sawDown).toBe(true);
    expect(scheduler.consuming).toBe(true);
    expect(missing).toEqual([]);
    // The actions that ended while the broker was away were remembered, and their redeliveries skipped.
    expect(duplicates).toBe(0);
    expect(log.some((line) => line.includes('lost the broker'))).toBe(true);
    expect(log.some((line) => line.includes('reconnected'))).toBe(true);
  });
});
