// Issue 6, feature 4: `by` with bounded leaves, against (2), `by` with unbounded leaves. A dropped event counts
// as consumed (`consume`), so the run's check (every event processed exactly once) reads "dispatched or
// reported exactly once": nothing lost.

import { CONCURRENCY, byPath, completion } from '../cases.mjs';
import { consume, work } from '../workload.mjs';

export const cases = {
  '2b': {
    name: 'fairMergeMap with by, bound 1e9 drop-oldest (never full: the cost of the check)',
    feature: 'bounds',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      let drops = 0;
      const dropped = (d) => {
        drops++;
        consume(d.event);
      };
      const bound = { size: 1e9, overflow: 'drop-oldest', dropped };
      const done = completion(
        source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, bound })),
      ).then(() => {
        if (drops !== 0) throw new Error(`case 2b: ${drops} events dropped from leaves that are never full`);
      });
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
  '2l': {
    name: "fairMergeMap with by, bound 'latest' (conflation: a leaf keeps only its newest event)",
    feature: 'bounds',
    base: '2',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const bound = { overflow: 'latest', dropped: (d) => consume(d.event) };
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, bound })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};
