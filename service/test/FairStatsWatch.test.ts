// The library's stats of a session's dispatch, watched only while read.
import { Subject } from 'rxjs';
import { fairMergeMap } from 'rxjs-fair';
import { describe, expect, it } from 'vitest';
import { FairStatsWatch } from '../src/FairStatsWatch.js';

interface Item {
  readonly host: string;
  readonly vm: string;
}

/** A dispatch of the items pushed, each action ended by `end()`, watched by a `FairStatsWatch`. */
function dispatch() {
  const watch = new FairStatsWatch<Item>();
  const items = new Subject<Item>();
  const ends: Subject<void>[] = [];
  items
    .pipe(
      fairMergeMap(
        () => {
          const end = new Subject<void>();
          ends.push(end);
          return end;
        },
        { concurrency: 1, by: (item) => [item.host, item.vm], stats: watch.stats },
      ),
    )
    .subscribe();
  const end = () => ends.shift()?.complete();
  return { watch, items, end };
}

describe('FairStatsWatch', () => {
  it('times nothing until read, then each read covers the window since the one before', () => {
    const { watch, items, end } = dispatch();
    items.next({ host: 'h1', vm: 'v1' }); // dispatched unwatched
    items.next({ host: 'h1', vm: 'v1' });
    const first = watch.read(0);
    expect(first?.totals).toMatchObject({ dispatched: 0, queued: 1, active: 1, wait: null });
    end(); // the second is dispatched while watched, untimed (it arrived before the watch)
    items.next({ host: 'h2', vm: 'v1' });
    end();
    const second = watch.read(1);
    expect(second).toMatchObject({ since: first?.time, totals: { dispatched: 2, queued: 0, active: 1 } });
    expect(second?.keys.find((key) => key.key === 'h2')).toMatchObject({ dispatched: 1, wait: { count: 1 } });
  });

  it('stops watching once unread for a while, and starts a new window on the next read', () => {
    const { watch, items, end } = dispatch();
    watch.read(0);
    watch.closeUnread(500, 1000); // read lately: still watched
    items.next({ host: 'h1', vm: 'v1' });
    expect(watch.read(600)?.totals.dispatched).toBe(1);
    watch.closeUnread(2000, 1000);
    end();
    items.next({ host: 'h1', vm: 'v1' }); // dispatched unwatched
    const reopened = watch.read(2100);
    expect(reopened?.totals).toMatchObject({ dispatched: 0, active: 1 });
  });
});
