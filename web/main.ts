// The in-browser demo: the same workload through fairMergeMap and through mergeMap, side by side, in virtual
// time. Everything below runs rxjs-fair itself in the page (src/index.ts through src/demo/Simulation.ts).
import './a11y.css';
import { generateWorkload, type GeneratedWorkload } from '../src/demo/generateWorkload.js';
import { Simulation, type SimulationResult, type Strategy } from '../src/demo/Simulation.js';
import { checkRun } from './checkRun.js';
import { bindControls } from './controls.js';
import { eachFrame } from './eachFrame.js';
import { expectedSpan } from './expectedSpan.js';
import { formatCount, formatMs } from './format.js';
import { hostWaits, type HostWaits } from './hostWaits.js';
import { Lane } from './Lane.js';
import { P99Chart } from './P99Chart.js';
import { fixedSettings, type PageSettings } from './settings.js';
import { Summary } from './Summary.js';

/** Animation frames a run is drawn over (about 4 s at 60 Hz); a handful when the reader asks for less motion. */
const SLICES = 240;
const REDUCED_MOTION_SLICES = 6;

const STRATEGIES = ['fair', 'fifo'] as const satisfies readonly Strategy[];

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}

const status = byId<HTMLElement>('status');
const summary = new Summary();
const lanes = { fair: new Lane('fair'), fifo: new Lane('fifo') } as const;
const chart = new P99Chart();
byId<HTMLElement>('summary').replaceWith(summary.element);
byId<HTMLElement>('lanes').append(lanes.fair.element, lanes.fifo.element);
byId<HTMLElement>('chart').replaceWith(chart.element);

/** Stops the run being drawn, if any. */
let stop: (() => void) | undefined;

function setStatus(state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  status.dataset['state'] = state;
  status.textContent = text;
}

function workloadFor(settings: PageSettings): GeneratedWorkload {
  return generateWorkload({ ...settings, ...fixedSettings });
}

/** Clears the page for a run of `workload` (the strips' scale, the tables' rows). */
function prepare(settings: PageSettings, workload: GeneratedWorkload): number {
  const span = expectedSpan(workload, settings.concurrency);
  // No wait is longer than the span: the tables and the chart leave room for it.
  for (const strategy of STRATEGIES) lanes[strategy].start(workload, span);
  chart.reset(workload.hosts, workload.noisyHost, span);
  summary.reset(settings, workload);
  return span;
}

/** Replays one workload through both dispatchers, a slice of virtual time per animation frame. */
function run(settings: PageSettings): void {
  stop?.();
  const workload = workloadFor(settings);
  const span = prepare(settings, workload);
  const simulations = {
    fair: new Simulation(workload, 'fair', settings.concurrency),
    fifo: new Simulation(workload, 'fifo', settings.concurrency),
  };
  const slices = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? REDUCED_MOTION_SLICES : SLICES;
  const step = Math.max(1, Math.ceil(span / slices));
  let frame = 0;
  setStatus('running', `Running ${formatCount(workload.events.length)} events through both lanes…`);
  stop = eachFrame(
    () => {
      for (const strategy of STRATEGIES) {
        simulations[strategy].advanceTo(frame);
        lanes[strategy].update(simulations[strategy]);
      }
      frame += step;
      return STRATEGIES.every((strategy) => simulations[strategy].done);
    },
    {
      done: () => {
        stop = undefined;
        finish(settings, workload, { fair: simulations.fair.result(), fifo: simulations.fifo.result() });
      },
      failed: (error) => {
        stop = undefined;
        console.error(error);
        setStatus('error', `The run failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    },
  );
}

function finish(
  settings: PageSettings,
  workload: GeneratedWorkload,
  results: Readonly<Record<Strategy, SimulationResult>>,
): void {
  const events = Array.from({ length: workload.hosts }, () => 0);
  for (const event of workload.events) events[event.host] = (events[event.host] ?? 0) + 1;
  const waits: Record<Strategy, HostWaits> = {
    fair: hostWaits(workload, results.fair),
    fifo: hostWaits(workload, results.fifo),
  };
  const problems = {
    fair: checkRun(workload, results.fair, settings.concurrency),
    fifo: checkRun(workload, results.fifo, settings.concurrency),
  };
  for (const strategy of STRATEGIES) lanes[strategy].finish(events, waits[strategy]);
  chart.show(waits);
  summary.show(results, waits, problems, settings);
  const ok = problems.fair.length === 0 && problems.fifo.length === 0;
  setStatus(
    ok ? 'done' : 'error',
    ok
      ? `Done. Quiet hosts' p99 wait: fair ${formatMs(waits.fair.quiet.p99)}, FIFO ${formatMs(waits.fifo.quiet.p99)}.`
      : 'Done, but a check failed: see the summary.',
  );
}

const read = bindControls(byId<HTMLFormElement>('controls'), run);
prepare(read(), workloadFor(read()));
setStatus('idle', 'Set the sliders and press Run.');
