// Issue 6, feature 5: live stats, against (2), `by` without them.

import { CONCURRENCY, byPath, completion } from '../cases.mjs';
import { work } from '../workload.mjs';

/** Runs `prepare`'s pipeline with a `FairStats` given; `watch` also keeps a snapshots subscription live. */
function withStats(watch) {
  return ({ lib, rxjs, events }) => {
    const source = new rxjs.Subject();
    const stats = new lib.FairStats();
    // Rarely: a run takes well under a second at the quick sizes, a few seconds at the full ones.
    const watching = watch ? stats.snapshots(rxjs.interval(1000)).subscribe() : null;
    const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath, stats })));
    return {
      push: (i) => source.next(events[i]),
      end: () => source.complete(),
      done: watching === null ? done : done.finally(() => watching.unsubscribe()),
    };
  };
}

export const cases = {
  '2s': {
    name: 'fairMergeMap with by, stats watched (snapshots every 1 s)',
    feature: 'stats',
    base: '2',
    prepare: withStats(true),
  },
  '2S': {
    name: 'fairMergeMap with by, stats given, nobody watching',
    feature: 'stats',
    base: '2',
    prepare: withStats(false),
  },
};
