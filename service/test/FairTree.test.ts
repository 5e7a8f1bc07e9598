// The scheduler's tree with an operator's settings: caps per depth, host weights, and state-like policies.
import { finalize } from 'rxjs';
import { fairMergeMap, type Dropped } from 'rxjs-fair';
import { describe, expect, it } from 'vitest';
import { manualProjection } from '../../test/support/manualProjection.js';
import { FairTree } from '../src/FairTree.js';

describe('FairTree with caps, weights and latest policies', () => {
  it('keeps, on a sweep, the branch of a VM whose action still runs: its next event waits for it', () => {
    const tree = new FairTree<string>({ hostCap: 2, vmCap: 1 });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source
      .pipe(
        fairMergeMap((item: string) => {
          const running = tree.dispatched('h1', 'v1'); // as the scheduler's projection does
          return project(item).pipe(finalize(() => tree.finished(running)));
        }, 8),
      )
      .subscribe();
    tree.push('h1', 'v1', 'heal', 'a');
    expect(started).toEqual(['a']);
    tree.sweep(); // nothing queued, 'a' runs
    expect(tree.vms('h1')).toEqual(['v1']);
    tree.push('h1', 'v1', 'heal', 'b');
    expect(started).toEqual(['a']); // the VM cap still counts 'a'
    finish('a');
    expect(started).toEqual(['a', 'b']);
    subscription.unsubscribe();
  });

  it('runs at most the VM cap per VM and the host cap per host, the other hosts keeping the free slots busy', () => {
    const tree = new FairTree<string>({ hostCap: 2, vmCap: 1 });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source.pipe(fairMergeMap(project, 8)).subscribe();
    for (const vm of ['v1', 'v2', 'v3']) for (const i of [0, 1]) tree.push('h1', vm, 'heal', `h1-${vm}-${i}`);
    tree.push('h2', 'v1', 'heal', 'h2-v1-0');
    tree.push('h2', 'v1', 'migrate', 'h2-v1-1');

    // h1: two of its three VMs (host cap 2), one action each (VM cap 1); h2: one action on its one VM.
    expect(started).toEqual(['h1-v1-0', 'h1-v2-0', 'h2-v1-0']);
    finish('h1-v1-0');
    expect(started.slice(3)).toEqual(['h1-v3-0']); // the host's freed slot goes to its VM not at its cap
    finish('h2-v1-0');
    expect(started.slice(4)).toEqual(['h2-v1-1']); // a VM's next action only once its running one ended
    subscription.unsubscribe();
  });

  it('gives a weighted host that many turns in a row, set before its branch exists or while it does', () => {
    const tree = new FairTree<string>();
    tree.setWeight('h1', 2);
    const { project, started, finish } = manualProjection();
    const subscription = tree.source.pipe(fairMergeMap(project, 1)).subscribe();
    tree.push('h0', 'v', 'p', 'block'); // holds the only slot while the backlog queues
    for (const host of ['h1', 'h2']) for (const i of [0, 1, 2, 3]) tree.push(host, 'v', 'p', `${host}-${i}`);
    const drain = (n: number) => {
      for (let i = 0; i < n; i++) finish(started.at(-1) as string);
    };
    drain(5);
    expect(started).toEqual(['block', 'h1-0', 'h1-1', 'h2-0', 'h1-2', 'h1-3']);
    tree.setWeight('h1', 1); // back to the default: h1 has nothing left, h2 runs alone
    drain(3);
    expect(started.slice(6)).toEqual(['h2-1', 'h2-2', 'h2-3']);
    subscription.unsubscribe();
  });

  it('keeps only the newest item of a latest policy per VM, telling `conflated` of each one replaced', () => {
    const replaced: Dropped<string>[] = [];
    const tree = new FairTree<string>({ latest: new Set(['state']), conflated: (d) => replaced.push(d) });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source.pipe(fairMergeMap(project, 1)).subscribe();
    tree.push('h1', 'v1', 'heal', 'heal-1'); // takes the slot
    for (const item of ['state-1', 'state-2', 'state-3']) tree.push('h1', 'v1', 'state', item);
    tree.push('h1', 'v1', 'heal', 'heal-2'); // requests are never conflated
    expect(tree.counts()).toEqual({ h1: { v1: 2 } });
    expect(replaced.map((d) => [d.event, d.reason, d.replacedBy])).toEqual([
      ['state-1', 'latest', 'state-2'],
      ['state-2', 'latest', 'state-3'],
    ]);
    finish('heal-1');
    finish(started.at(-1) as string);
    expect(started).toEqual(['heal-1', 'state-3', 'heal-2']);
    subscription.unsubscribe();
  });

  it("serves a VM's first level with an item queued, its cap counting every level; other VMs keep their turns", () => {
    const tree = new FairTree<string>({ vmCap: 1, levels: 2 });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source.pipe(fairMergeMap(project, 1)).subscribe();
    tree.push('h0', 'v', 'p', 'block'); // holds the only slot while the backlog queues
    for (const i of [0, 1, 2]) tree.push('h1', 'v1', 'update', `routine-${i}`, 1);
    tree.push('h1', 'v2', 'update', 'v2-routine', 1);
    tree.push('h1', 'v1', 'heal', 'urgent', 0);
    const drain = (n: number) => {
      for (let i = 0; i < n; i++) finish(started.at(-1) as string);
    };
    drain(5);
    // v1's urgent item overtakes v1's routine ones, not v2's turn: priority is below the VM.
    expect(started).toEqual(['block', 'urgent', 'v2-routine', 'routine-0', 'routine-1', 'routine-2']);
    subscription.unsubscribe();
  });

  it("with `every`, gives a VM's lower level one dispatch in every n while its first level is ready", () => {
    const tree = new FairTree<string>({ levels: 2, every: 3 });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source.pipe(fairMergeMap(project, 1)).subscribe();
    tree.push('h0', 'v', 'p', 'block');
    for (const i of [0, 1, 2, 3, 4]) tree.push('h1', 'v1', 'heal', `u${i}`, 0);
    for (const i of [0, 1]) tree.push('h1', 'v1', 'update', `r${i}`, 1);
    for (let i = 0; i < 7; i++) finish(started.at(-1) as string);
    expect(started).toEqual(['block', 'u0', 'u1', 'r0', 'u2', 'u3', 'r1', 'u4']);
    subscription.unsubscribe();
  });

  it('refuses an item of a level it does not have', () => {
    const tree = new FairTree<string>({ levels: 2 });
    expect(() => tree.push('h', 'v', 'p', 'x', 2)).toThrow('Expected a level from 0 to 1, got 2');
    expect([...tree.hosts()]).toEqual([]); // nothing made for it
  });

  it('counts what each host has queued: pushed, less what is dispatched, replaced or handed back', () => {
    const tree = new FairTree<string>({ latest: new Set(['state']), conflated: () => {}, levels: 2 });
    const { project, started, finish } = manualProjection();
    const subscription = tree.source
      .pipe(
        fairMergeMap((item: string) => {
          tree.dispatched(item.split('-')[0] as string, 'v'); // as the scheduler's projection does
          return project(item);
        }, 1),
      )
      .subscribe();
    tree.push('h0', 'v', 'p', 'h0-block'); // holds the only slot
    for (const i of [0, 1, 2]) tree.push('h1', 'v1', 'p', `h1-${i}`, 1);
    tree.push('h1', 'v2', 'state', 'h1-s1', 1);
    tree.push('h1', 'v2', 'state', 'h1-s2', 1); // replaces h1-s1
    tree.push('h1', 'v2', 'heal', 'h1-u', 0);
    expect([tree.queued('h0'), tree.queued('h1')]).toEqual([0, 5]);
    // `counts` leaves out a host whose counter is 0 (h0's branch is still there) and counts the others' VMs.
    expect(tree.counts()).toEqual({ h1: { v1: 3, v2: 2 } });
    finish('h0-block');
    finish(started.at(-1) as string);
    expect(started).toEqual(['h0-block', 'h1-0', 'h1-u']);
    expect(tree.queued('h1')).toBe(3);
    expect(tree.counts()).toEqual({ h1: { v1: 2, v2: 1 } });
    expect(tree.deleteVm('h1', 'v1')).toEqual(['h1-1', 'h1-2']);
    expect(tree.queued('h1')).toBe(1);
    expect(tree.counts()).toEqual({ h1: { v2: 1 } });
    expect(tree.deleteHost('h1')).toEqual(['h1-s2']);
    expect(tree.queued('h1')).toBe(0);
    subscription.unsubscribe();
  });

  it('keeps the caps across a pause: actions of a branch handed back count against the new one until they end', () => {
    const tree = new FairTree<string>({ hostCap: 2, vmCap: 1 });
    const { project, started, finish } = manualProjection();
    const vmOf = (item: string) => item.split('-')[1] as string;
    const subscription = tree.source
      .pipe(
        fairMergeMap((item: string) => {
          const running = tree.dispatched('h1', vmOf(item)); // as the scheduler's projection does
          return project(item).pipe(finalize(() => tree.finished(running)));
        }, 8),
      )
      .subscribe();
    tree.push('h1', 'v1', 'p', 'a-v1');
    tree.push('h1', 'v2', 'p', 'b-v2');
    expect(started).toEqual(['a-v1', 'b-v2']);
    expect(tree.deleteHost('h1')).toEqual([]); // the host paused while both run, then resumed:
    tree.push('h1', 'v1', 'p', 'c-v1');
    tree.push('h1', 'v3', 'p', 'd-v3');
    expect(started).toEqual(['a-v1', 'b-v2']); // the host's cap of 2 and v1's of 1 still count a and b
    finish('b-v2');
    expect(started).toEqual(['a-v1', 'b-v2', 'd-v3']); // a slot of the host, not yet v1's
    expect(tree.deleteVm('h1', 'v1')).toEqual(['c-v1']); // v1 paused while a runs, then resumed:
    tree.push('h1', 'v1', 'p', 'e-v1');
    finish('d-v3');
    expect(started).toEqual(['a-v1', 'b-v2', 'd-v3']); // v1's cap still counts a
    finish('a-v1');
    expect(started).toEqual(['a-v1', 'b-v2', 'd-v3', 'e-v1']);
    tree.push('h1', 'v2', 'p', 'f-v2');
    expect(started).toEqual(['a-v1', 'b-v2', 'd-v3', 'e-v1', 'f-v2']); // caps back as they were: 2 per host
    subscription.unsubscribe();
  });

  it('refuses latest policies without a place to report what they replace', () => {
    expect(() => new FairTree<string>({ latest: new Set(['state']) })).toThrow(
      'Expected `conflated` with `latest` policies',
    );
  });
});
