// The cases of issue 4, each built the same way: `prepare(ctx)` builds and subscribes everything (not timed) and
// returns `{ push(i), end(), done }`: `push(i)` feeds event i the way a user of that approach would, `end()`
// says no more events will come (completes the sources), `done` resolves once every event was processed and the
// pipeline finished. Timing covers the pushes, `end()` and the drain up to `done`.

import { FloorDispatcher, KeyedTree, buildTree } from './floor.mjs';
import { consume, consumeId, work } from './workload.mjs';

export const CONCURRENCY = 16;

/** The key path of a bench event, for `by`. */
export const byPath = (e) => [e.host, e.vm, e.policy];

export const CASES = {
  1: {
    name: 'fairMergeMap over roundRobin',
    prepare({ lib, rxjs, shape, names, events, leafOf }) {
      const { root, subjects } = rxTree(lib, rxjs, shape, names);
      const done = completion(root.pipe(lib.fairMergeMap(work, CONCURRENCY)));
      return { push: (i) => subjects[leafOf[i]].next(events[i]), end: () => completeAll(subjects), done };
    },
  },
  '1L': {
    name: 'fairMergeMap over roundRobin, LeafSubject leaves',
    prepare({ lib, rxjs, shape, names, events, leafOf }) {
      const { root, subjects } = rxTree(lib, rxjs, shape, names, lib.LeafSubject);
      const done = completion(root.pipe(lib.fairMergeMap(work, CONCURRENCY)));
      return { push: (i) => subjects[leafOf[i]].next(events[i]), end: () => completeAll(subjects), done };
    },
  },
  2: {
    name: 'fairMergeMap with by (flat stream)',
    prepare({ lib, rxjs, events }) {
      const source = new rxjs.Subject();
      const done = completion(source.pipe(lib.fairMergeMap(work, { concurrency: CONCURRENCY, by: byPath })));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
  3: {
    name: 'roundRobin subscribed directly, sync consumer',
    prepare({ lib, rxjs, shape, names, events, leafOf }) {
      const { root, subjects } = rxTree(lib, rxjs, shape, names);
      const done = new Promise((resolve, reject) =>
        root.subscribe({ next: consume, error: reject, complete: resolve }),
      );
      return { push: (i) => subjects[leafOf[i]].next(events[i]), end: () => completeAll(subjects), done };
    },
  },
  4: {
    name: 'hand-written nested RR (floor)',
    prepare({ shape, events, leafOf }) {
      const { root, leaves } = buildTree(shape);
      const dispatcher = new FloorDispatcher(root, work, CONCURRENCY);
      return {
        push: (i) => {
          leaves[leafOf[i]].push(events[i]);
          dispatcher.arrived();
        },
        end: () => dispatcher.end(),
        done: dispatcher.done,
      };
    },
  },
  '4k': {
    name: 'hand-written nested RR, key-path Maps (floor for by)',
    prepare({ events }) {
      const tree = new KeyedTree();
      const dispatcher = new FloorDispatcher(tree.root, work, CONCURRENCY);
      return {
        push: (i) => {
          tree.push(events[i]);
          dispatcher.arrived();
        },
        end: () => dispatcher.end(),
        done: dispatcher.done,
      };
    },
  },
  '4ks': {
    name: 'hand-written nested RR, key-path Maps, fed through a flat Subject by path',
    prepare({ rxjs, events }) {
      const tree = new KeyedTree();
      const dispatcher = new FloorDispatcher(tree.root, work, CONCURRENCY);
      const source = new rxjs.Subject();
      source.subscribe(new (keyedSinkClass(rxjs))(tree, dispatcher));
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done: dispatcher.done };
    },
  },
  '4s': {
    name: 'hand-written nested RR fed through leaf Subjects',
    prepare({ rxjs, shape, events, leafOf }) {
      const { root, leaves } = buildTree(shape);
      const dispatcher = new FloorDispatcher(root, work, CONCURRENCY);
      const subjects = subjectLeaves(rxjs, leaves, dispatcher);
      return {
        push: (i) => subjects[leafOf[i]].next(events[i]),
        end: () => completeAll(subjects),
        done: dispatcher.done,
      };
    },
  },
  5: {
    name: 'RxJS merge(leaves) -> mergeMap(promise, 16) (FIFO)',
    prepare({ rxjs, shape, events, leafOf }) {
      const subjects = Array.from({ length: shape.hosts * shape.vms * shape.policies }, () => new rxjs.Subject());
      const done = completion(rxjs.merge(...subjects).pipe(rxjs.mergeMap(work, CONCURRENCY)));
      return { push: (i) => subjects[leafOf[i]].next(events[i]), end: () => completeAll(subjects), done };
    },
  },
  6: {
    name: 'RxJS Subject -> map -> subscribe (RxJS floor)',
    prepare({ rxjs, events }) {
      const source = new rxjs.Subject();
      const done = new Promise((resolve, reject) =>
        source.pipe(rxjs.map((e) => e.id)).subscribe({ next: consumeId, error: reject, complete: resolve }),
      );
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
  7: {
    name: 'p-queue, concurrency 16 (FIFO)',
    prepare({ PQueue, events }) {
      const queue = new PQueue({ concurrency: CONCURRENCY });
      let ended;
      const done = new Promise((resolve) => (ended = resolve)).then(() => queue.onIdle());
      return {
        push: (i) => {
          const e = events[i];
          queue.add(() => work(e));
        },
        end: () => ended(),
        done,
      };
    },
  },
  8: {
    name: 'naive fair: groupBy(leaf) + scan over group buffers',
    prepare({ rxjs, events }) {
      const source = new rxjs.Subject();
      const done = naiveFair(rxjs, source, CONCURRENCY);
      return { push: (i) => source.next(events[i]), end: () => source.complete(), done };
    },
  },
};

/** The case ids in report order. */
export const CASE_IDS = ['1', '1L', '2', '3', '4', '4s', '4k', '4ks', '5', '6', '7', '8'];

/**
 * Leaf Subjects under `roundRobin` nodes: cloud -> host -> VM -> policy. `subjects[i]` is leaf i. `Leaf`: the
 * Subject class of the leaves.
 */
export function rxTree(lib, rxjs, shape, names, Leaf = rxjs.Subject) {
  const subjects = [];
  const hosts = {};
  for (let h = 0; h < shape.hosts; h++) {
    const vms = {};
    for (let v = 0; v < shape.vms; v++) {
      const policies = {};
      for (let p = 0; p < shape.policies; p++) {
        const subject = new Leaf();
        subjects.push(subject);
        policies[names.policies[p]] = subject;
      }
      vms[names.vms[v]] = lib.roundRobin(policies);
    }
    hosts[names.hosts[h]] = lib.roundRobin(vms);
  }
  return { root: lib.roundRobin(hosts), subjects };
}

/**
 * Case (4s): one Subject per floor leaf, subscribed the way the library subscribes its leaves (an observer that is
 * also a Subscription, so RxJS uses it as is): the floor plus what pushing through a Subject costs.
 */
function subjectLeaves(rxjs, leaves, dispatcher) {
  const SubjectLeaf = subjectLeafClass(rxjs);
  const counter = { open: leaves.length };
  return leaves.map((leaf) => {
    const subject = new rxjs.Subject();
    subject.subscribe(new SubjectLeaf(leaf, dispatcher, counter));
    return subject;
  });
}

/** One class per process (a class per run would give every run new maps, and RxJS's call sites would go megamorphic). */
let SubjectLeafClass;
function subjectLeafClass(rxjs) {
  SubjectLeafClass ??= class SubjectLeaf extends rxjs.Subscription {
    constructor(leaf, dispatcher, counter) {
      super();
      this.leaf = leaf;
      this.dispatcher = dispatcher;
      this.counter = counter;
    }
    next(e) {
      this.leaf.push(e);
      this.dispatcher.arrived();
    }
    error(err) {
      throw err;
    }
    complete() {
      if (--this.counter.open === 0) this.dispatcher.end();
    }
  };
  return SubjectLeafClass;
}

/**
 * Case (4ks): the subscriber of the flat Subject, keyed by the path `byPath` returns (an array per event, as `by`
 * returns): the keyed floor (4k) plus what a `by` operator cannot avoid, the source's Subject and the path array.
 */
let KeyedSinkClass;
function keyedSinkClass(rxjs) {
  KeyedSinkClass ??= class KeyedSink extends rxjs.Subscription {
    constructor(tree, dispatcher) {
      super();
      this.tree = tree;
      this.dispatcher = dispatcher;
    }
    next(e) {
      const path = byPath(e);
      this.tree.pushAt(path[0], path[1], path[2], e);
      this.dispatcher.arrived();
    }
    error(err) {
      throw err;
    }
    complete() {
      this.dispatcher.end();
    }
  };
  return KeyedSinkClass;
}

export function completeAll(subjects) {
  for (const subject of subjects) subject.complete();
}

export function completion(observable) {
  return new Promise((resolve, reject) => observable.subscribe({ error: reject, complete: resolve }));
}

/**
 * Case (8): what one writes without a fair tree (the setup of shared/notes/perf-anchors.md). One `groupBy` on each
 * event's leaf key puts each leaf's events in its own array buffer; each pick scans the groups, in the order they
 * appeared, from a cursor for the next non-empty buffer. Fair over leaves (not nested), and a pick costs a scan
 * over empty groups. Buffers use a head index rather than `shift()`, so the cost measured is the groupBy and the
 * scan, not a quadratic shift.
 */
function naiveFair(rxjs, source, concurrency) {
  const groups = [];
  let cursor = 0;
  let queued = 0;
  let active = 0;
  let sourceDone = false;
  let resolve;
  let reject;
  const done = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const settled = () => {
    active--;
    pump();
  };

  function pick() {
    const n = groups.length;
    for (let k = 0; k < n; k++) {
      let i = cursor + k;
      if (i >= n) i -= n;
      const group = groups[i];
      if (group.size === 0) continue;
      cursor = i + 1 === n ? 0 : i + 1;
      group.size--;
      queued--;
      const e = group.buffer[group.head];
      group.buffer[group.head++] = undefined;
      if (group.size === 0) {
        group.buffer = [];
        group.head = 0;
      }
      return e;
    }
    throw new Error('naive: events queued, but no group holds any');
  }

  function pump() {
    while (active < concurrency && queued > 0) {
      active++;
      work(pick()).then(settled);
    }
    if (sourceDone && active === 0 && queued === 0) resolve();
  }

  source.pipe(rxjs.groupBy((e) => `${e.host}/${e.vm}/${e.policy}`)).subscribe({
    next: (group$) => {
      const group = { buffer: [], head: 0, size: 0 };
      groups.push(group);
      group$.subscribe((e) => {
        group.buffer.push(e);
        group.size++;
        queued++;
        if (active < concurrency) pump();
      });
    },
    error: (err) => reject(err),
    complete: () => {
      sourceDone = true;
      pump();
    },
  });
  return done;
}
