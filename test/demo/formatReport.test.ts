import { describe, expect, it } from 'vitest';
import { demoDefaults, type DemoSettings } from '../../src/demo/demoDefaults.js';
import { formatReport } from '../../src/demo/formatReport.js';
import { generateWorkload } from '../../src/demo/generateWorkload.js';
import { Simulation } from '../../src/demo/Simulation.js';

const settings: DemoSettings = {
  ...demoDefaults,
  hosts: 3,
  vms: 2,
  policies: 2,
  events: 600,
  concurrency: 4,
  skew: 0.9,
  seed: 3,
};

function runBoth() {
  const workload = generateWorkload(settings);
  return {
    workload,
    fair: new Simulation(workload, 'fair', settings.concurrency).runToEnd(),
    fifo: new Simulation(workload, 'fifo', settings.concurrency).runToEnd(),
  };
}

describe('formatReport', () => {
  it('should show a row per host, the noisy one marked, with stats computed from the waits', () => {
    const { workload, fair, fifo } = runBoth();
    const { text, ok } = formatReport(settings, workload, fair, fifo);
    expect(ok).toBe(true);
    const rows = text.split('\n').filter((line) => /^compute\d+( \(noisy\))? +[\d,]+ \|/.test(line));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^compute0 \(noisy\) +540 \|/);
    // compute1's fair max is its largest recorded wait.
    const waits = workload.events.flatMap((e, i) => (e.host === 1 ? [fair.waits[i] as number] : []));
    const cells = (rows[1] as string)
      .split('|')[1]!
      .trim()
      .split(/\s+/)
      .map((cell) => Number(cell.replace(/,/g, '')));
    expect(cells[2]).toBe(Math.max(...waits));
    // The library's FairStats rows: compute1's max wait is the same largest recorded wait.
    const statsRow = text
      .split('\n')
      .find((line) => /^compute1 +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+$/.test(line)) as string;
    expect(Number(statsRow.trim().split(/\s+/).at(-1)?.replace(/,/g, ''))).toBe(Math.max(...waits));
    expect(text).toMatch(/^Jain's index over the 3 busy hosts' dispatches: 0\.\d{3} /m);
    expect(text).toMatch(/^quiet hosts' p99 wait: fair [\d,]+ ms vs FIFO [\d,]+ ms \([\d,.]+× lower\)$/m);
    expect(text).toMatch(/^makespan: fair [\d,]+ ms vs FIFO [\d,]+ ms/m);
    expect(text).toContain(
      `exactly once: fair and FIFO each processed all 600 events once (count 600, id sum 180,300), at most 4 at a time`,
    );
  });

  it('should fail the check when a run lost, repeated or over-ran events', () => {
    const { workload, fair, fifo } = runBoth();
    const { text, ok } = formatReport(settings, workload, fair, {
      ...fifo,
      completed: 599,
      duplicates: 1,
      idSum: fifo.idSum - 5,
      maxActive: 5,
    });
    expect(ok).toBe(false);
    expect(text).toMatch(
      /^exactly once: FAILED: FIFO completed 599 of 600 events; FIFO handled 1 events twice; FIFO id sum .*, expected .*; FIFO ran 5 actions at once, over 4$/m,
    );
  });
});
