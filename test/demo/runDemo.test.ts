import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demoDefaults } from '../../src/demo/demoDefaults.js';
import { runDemo } from '../../src/demo/runDemo.js';

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('runDemo', () => {
  it('should print the report to stdout, nothing to a stderr that is not a terminal, and return 0', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const code = await runDemo(
      { ...demoDefaults, hosts: 3, vms: 2, policies: 2, events: 500, progress: true },
      { stdout, stderr },
    );
    expect(code).toBe(0);
    expect(out()).toMatch(
      /^rxjs-fair demo: 3 hosts × 2 VMs × 2 policies \(12 queues\), 500 events, concurrency 16, skew 0.9, seed 1$/m,
    );
    expect(out()).toContain('exactly once: fair and FIFO each processed all 500 events once');
    expect(err()).toBe('');
  });

  it('should draw the progress line on a terminal stderr and clear it at the end', async () => {
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    const err = collect(stderr);
    collect(stdout);
    const code = await runDemo(
      { ...demoDefaults, hosts: 3, vms: 2, policies: 2, events: 500, progress: true },
      { stdout, stderr },
    );
    expect(code).toBe(0);
    expect(err()).toMatch(
      /^\rfair \d+% \| [\d,]+\/500 events dispatched {3}FIFO \d+% \| [\d,]+\/500 events dispatched/,
    );
    expect(err()).not.toContain('\n');
    expect(err()).toMatch(/\r {20,}\r$/);
  });

  it('should draw no progress line with progress off, even on a terminal', async () => {
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    const err = collect(stderr);
    collect(stdout);
    await runDemo({ ...demoDefaults, hosts: 3, vms: 2, policies: 2, events: 500, progress: false }, { stdout, stderr });
    expect(err()).toBe('');
  });
});
