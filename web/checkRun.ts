import type { Workload } from '../src/demo/generateWorkload.js';
import type { SimulationResult } from '../src/demo/Simulation.js';

/**
 * What is wrong with a finished run, if anything (an empty list when all is well): every event dispatched and
 * completed exactly once (count and id sum), never more than `concurrency` actions at once. The same checks as
 * `rxjs-fair demo`.
 */
export function checkRun(workload: Workload, result: SimulationResult, concurrency: number): string[] {
  const count = workload.events.length;
  const idSum = workload.events.reduce((sum, event) => sum + event.id, 0);
  const problems: string[] = [];
  if (result.dispatched !== count) problems.push(`dispatched ${result.dispatched} of ${count} events`);
  if (result.completed !== count) problems.push(`completed ${result.completed} of ${count} events`);
  if (result.duplicates !== 0) problems.push(`handled ${result.duplicates} events twice`);
  if (result.idSum !== idSum) problems.push(`id sum ${result.idSum}, expected ${idSum}`);
  if (result.maxActive > concurrency) problems.push(`ran ${result.maxActive} actions at once, over ${concurrency}`);
  return problems;
}
