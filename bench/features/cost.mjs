// Issue 6, feature 3: cost-aware slots, against (1) and (2) without `cost`. Every 4th event (an expensive
// migration) takes 4 of the 16 slots, the others 1.

import { CONCURRENCY, byPath, completeAll, completion, rxTree } from '../cases.mjs';
import { work } from '../workload.mjs';

const cost = (e) => (e.id % 4 === 3 ? 4 : 1);

export const cases = {
  '1c': {
    name: 'fairMergeMap over roundRobin, every 4th event costs 4 slots',
    feature: 'cost',
    base: '1',
    prepare({ lib, rxjs, shape, names, events, leafOf }) {
      const { root, subjects } = rxTree(lib, rxjs, shape, names);
      const done = completion(root.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, cost })));
      return { push: (i) => subjects[leafOf[i]].next(events[i]), end: () => completeAll(subjects), done };
    },
  },
  '2c': {
    name: 'fairMergeMap with by, every 4th event costs 4 slots',
    feature: 'cost',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, cost })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};
