import type { DemoSettings } from './demoDefaults.js';
import { formatReport } from './formatReport.js';
import { generateWorkload } from './generateWorkload.js';
import { progressLine } from './progressLine.js';
import { Simulation } from './Simulation.js';

export interface RunDemoOptions extends DemoSettings {
  /** Show a progress line on `stderr` while the simulations run (ignored unless `stderr` is a terminal). */
  readonly progress: boolean;
}

/** Where the demo writes: the report to `stdout`, the progress line to `stderr`. */
export interface DemoStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
}

/** Slices of virtual time per run: the progress line can redraw between two of them. */
const SLICES = 200;

/**
 * `rxjs-fair demo`: generates one workload, replays it through fair dispatch and through FIFO dispatch in
 * virtual time, and prints the waits per host. Both simulations advance together, slice by slice, yielding to
 * the event loop in between so the progress line renders.
 *
 * @returns The exit code: 0, or 1 when a run did not process every event exactly once.
 */
export async function runDemo(options: RunDemoOptions, streams: DemoStreams = process): Promise<number> {
  const workload = generateWorkload(options);
  const runs = [
    new Simulation(workload, 'fair', options.concurrency),
    new Simulation(workload, 'fifo', options.concurrency),
  ] as const;
  const total = workload.events.length;
  const progress =
    options.progress && streams.stderr.isTTY === true
      ? progressLine(streams.stderr, ['fair', 'FIFO'], total)
      : undefined;

  const step = Math.max(1, Math.ceil(workload.horizon / SLICES));
  const wallTime = [0, 0];
  try {
    for (let frame = 0; !runs.every((run) => run.done); frame += step) {
      runs.forEach((run, i) => {
        const start = performance.now();
        run.advanceTo(frame);
        wallTime[i] = (wallTime[i] as number) + performance.now() - start;
      });
      progress?.update(runs.map((run) => run.dispatched));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    progress?.clear();
  }

  const [fair = 0, fifo = 0] = wallTime;
  const report = formatReport(options, workload, runs[0].result(), runs[1].result(), { fair, fifo });
  streams.stdout.write(report.text);
  return report.ok ? 0 : 1;
}
