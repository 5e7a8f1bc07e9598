import type { Workload } from '../src/demo/generateWorkload.js';
import type { SimulationResult } from '../src/demo/Simulation.js';
import type { WaitPercentiles } from '../src/core/WaitSketch.js';
import { waitStats } from '../src/demo/waitStats.js';

/** One run's waits, per host and for the quiet hosts together. */
export interface HostWaits {
  /** Indexed by host: its events' waits from arrival to dispatch (ms of virtual time). */
  readonly hosts: readonly WaitPercentiles[];
  /** Every host but the noisy one, together. */
  readonly quiet: WaitPercentiles;
}

/** Groups a run's waits by host, as `rxjs-fair demo`'s table does. */
export function hostWaits(workload: Workload, result: SimulationResult): HostWaits {
  const byHost: number[][] = Array.from({ length: workload.hosts }, () => []);
  workload.events.forEach((event, index) => {
    byHost[event.host]?.push(result.waits[index] as number);
  });
  return {
    hosts: byHost.map((waits) => waitStats(waits)),
    quiet: waitStats(byHost.flatMap((waits, host) => (host === workload.noisyHost ? [] : waits))),
  };
}
