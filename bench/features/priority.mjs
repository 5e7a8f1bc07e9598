// Priority levels with `by`: `byPriority` above the key path, against (2) without levels. `2p`: every event in the
// routine level, so the cost of the levels themselves; `2P`: one event in ten urgent, strict.

import { CONCURRENCY, byPath, completion } from '../cases.mjs';
import { work } from '../workload.mjs';

const LEVELS = ['urgent', 'routine'];

export const cases = {
  '2p': {
    name: 'fairMergeMap with by, byPriority: every event routine',
    feature: 'priority',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const priority = lib.byPriority(LEVELS, () => 'routine');
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, priority })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
  '2P': {
    name: 'fairMergeMap with by, byPriority: one event in ten urgent',
    feature: 'priority',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const priority = lib.byPriority(LEVELS, (e) => (e.id % 10 === 0 ? 'urgent' : 'routine'));
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, priority })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};
