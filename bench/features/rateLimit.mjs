// Rate limits with `by`: a rate per host that never runs out, against (2) without rates: the cost of the buckets
// and of counting, not of waiting (a limit that bites measures the limit, not the library).

import { CONCURRENCY, byPath, completion } from '../cases.mjs';
import { work } from '../workload.mjs';

export const cases = {
  '2r': {
    name: 'fairMergeMap with by, rates: [a rate per host that never runs out]',
    feature: 'rates',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const rates = [new lib.RateLimit({ limit: 1e9, interval: 1 })];
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, rates })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};
