// Issue 6, features 1 and 2: `by` with weights and with caps, against (2), `by` with neither.

import { CONCURRENCY, byPath, completion } from '../cases.mjs';
import { work } from '../workload.mjs';

/** Host 0 (the noisy one when skewed) gets 4 turns per round; every other branch weight 1. */
const weight = (path, depth) => (depth === 0 && path[0] === 'compute0' ? 4 : 1);

export const cases = {
  '2w': {
    name: 'fairMergeMap with by, weight 4 on host 0',
    feature: 'weights',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, weight })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
  '2cap': {
    name: 'fairMergeMap with by, caps [2, 1] (2 per host, 1 per VM)',
    feature: 'caps',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const done = completion(
        source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, caps: [2, 1] })),
      );
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};
