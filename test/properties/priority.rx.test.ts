import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fairMergeMap, priority } from '../../src/index.js';
import { manualProjection } from '../support/manualProjection.js';
import { ModelPriority, countQueued, modelLeaf, type ModelLeaf } from './model.js';

/**
 * Model-based properties of a `priority` node under `fairMergeMap`: Subject levels, random arrivals, completions in
 * any order, pause, resume and run-time `setEvery`, checked against `ModelPriority` driven as the dispatcher drives
 * the tree (an arrival with nothing queued and a free slot is dispatched at once; otherwise the tree is pulled while
 * a slot is free). Also: strict, never a dispatch from a level while a level above it held an event it could give.
 */

type Cmd =
  | { readonly t: 'push'; readonly level: number; readonly count: number }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'pause' | 'resume'; readonly level: number }
  | { readonly t: 'setEvery'; readonly every: number };

const everyArb = fc.oneof(fc.constant(Infinity), fc.integer({ min: 2, max: 4 }));
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('push' as const),
      level: fc.nat({ max: 3 }),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('finish' as const), which: fc.nat({ max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), level: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resume' as const), level: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('setEvery' as const), every: everyArb }) },
);

describe('priority levels under fairMergeMap, against the model', () => {
  it('should dispatch exactly as the model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        everyArb,
        fc.integer({ min: 1, max: 3 }),
        fc.array(cmdArb, { maxLength: 60 }),
        (levels, every, concurrency, cmds) => {
          const keys = ['l0', 'l1', 'l2', 'l3'].slice(0, levels);
          const subjects = keys.map(() => new Subject<string>());
          const node = priority(new Map(keys.map((key, i) => [key, subjects[i] as Subject<string>])), { every });
          const m = manualProjection();
          node.pipe(fairMergeMap(m.project, concurrency)).subscribe();

          const leaves: ModelLeaf<string>[] = keys.map(() => modelLeaf<string>());
          const model = new ModelPriority(
            keys.map((key, i) => ({ key, tree: leaves[i] as ModelLeaf<string>, paused: false, weight: 1 })),
            every,
          );
          const started: string[] = [];
          let active = 0;
          let n = 0;
          const pump = (): void => {
            while (active < concurrency && model.ready()) {
              const ready = model.readyLevels();
              const taken = model.take(false);
              if (taken === undefined) break;
              if (model.every === Infinity) expect(taken.level).toBe(ready[0]);
              started.push(taken.event);
              active++;
            }
          };
          for (const cmd of cmds) {
            switch (cmd.t) {
              case 'push': {
                const at = cmd.level % levels;
                for (let i = 0; i < cmd.count; i++) {
                  const event = `e${n++}`;
                  const queued = model.levels.reduce((q, level) => q + countQueued(level.tree), 0);
                  if (queued === 0 && !(model.levels[at]?.paused ?? false) && active < concurrency) {
                    started.push(event);
                    active++;
                  } else {
                    leaves[at]?.items.push(event);
                    pump();
                  }
                  subjects[at]?.next(event);
                }
                break;
              }
              case 'finish': {
                const running = [...m.running.keys()];
                if (running.length === 0) break;
                m.finish(running[cmd.which % running.length] as string);
                active--;
                pump();
                break;
              }
              case 'pause':
                node.pause(keys[cmd.level % levels] as string);
                (model.levels[cmd.level % levels] as { paused: boolean }).paused = true;
                break;
              case 'resume':
                node.resume(keys[cmd.level % levels] as string);
                (model.levels[cmd.level % levels] as { paused: boolean }).paused = false;
                pump();
                break;
              case 'setEvery':
                node.setEvery(cmd.every);
                model.setEvery(cmd.every);
                break;
            }
            expect(m.started).toEqual(started);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
