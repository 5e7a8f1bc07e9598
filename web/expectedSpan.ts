import type { GeneratedWorkload } from '../src/demo/generateWorkload.js';

/** Room left for the queue's random swings past the expected end. */
const SPARE = 1.05;

/**
 * How much virtual time the dispatch strips show, fixed before the run starts so that nothing is rescaled while
 * it draws: the later of the last arrival and the time `concurrency` slots need for all the work, with 5 % to
 * spare, plus the longest action. Both dispatchers keep every slot busy while events wait, so their runs end
 * there or a little before; a dispatch later than that is drawn at the strip's right edge.
 */
export function expectedSpan(workload: GeneratedWorkload, concurrency: number): number {
  let work = 0;
  let lastArrival = 0;
  for (const event of workload.events) {
    work += event.duration;
    lastArrival = Math.max(lastArrival, event.arrival);
  }
  return Math.max(1, Math.ceil(Math.max(lastArrival, work / concurrency) * SPARE + workload.maxDuration));
}
