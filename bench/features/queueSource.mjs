// A tree of the core's nodes built by hand and dispatched by `fairMergeMap` through a `QueueSource`, against (1L),
// the same tree of `roundRobin` nodes over `LeafSubject` leaves: what the service's scheduler uses for its backlog.

import { CONCURRENCY, completion } from '../cases.mjs';
import { work } from '../workload.mjs';

export const cases = {
  '1Q': {
    name: 'fairMergeMap over a QueueSource (the same tree of core nodes, built by hand)',
    feature: 'QueueSource',
    base: '1L',
    prepare({ lib, shape, names, events, leafOf }) {
      const root = new lib.RoundRobinQueue();
      const leaves = [];
      for (let h = 0; h < shape.hosts; h++) {
        const host = new lib.RoundRobinQueue();
        for (let v = 0; v < shape.vms; v++) {
          const vm = new lib.RoundRobinQueue();
          for (let p = 0; p < shape.policies; p++) {
            const leaf = new lib.FifoQueue();
            leaves.push(leaf);
            vm.add(names.policies[p], leaf);
          }
          host.add(names.vms[v], vm);
        }
        root.add(names.hosts[h], host);
      }
      const source = new lib.QueueSource(root);
      const done = completion(source.pipe(lib.fairMergeMap(work, CONCURRENCY)));
      return { push: (i) => source.push(leaves[leafOf[i]], events[i]), end: () => source.complete(), done };
    },
  },
};
