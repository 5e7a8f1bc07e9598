// The analysis of a handler's log of actions (test/actionLog.ts), without a broker: the sweep that counts actions
// running at once, against shapes a wrong sweep gets wrong and against a brute force on random logs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseActionLog, parseActionLog, peakConcurrency, type ActionRecord } from './actionLog.js';

let n = 0;
const action = (start: number, end: number, extra: Partial<ActionRecord> = {}): ActionRecord => ({
  id: `e${n++}`,
  host: 'h1',
  vm: 'vm1',
  scheduler: 's1',
  start,
  end,
  ...extra,
});

/** The records in a shuffled order: the analysis must not depend on the log's order. */
function shuffled<T>(list: readonly T[], seed = 7): T[] {
  const copy = [...list];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Most actions covering one instant, tried at every start: [start, end), and an action of no length at its start. */
function bruteForce(records: readonly ActionRecord[]): number {
  let max = 0;
  for (const { start: t } of records) {
    const covering = records.filter((r) => (r.start <= t && t < r.end) || (r.start === t && r.end === t)).length;
    max = Math.max(max, covering);
  }
  return max;
}

describe('peakConcurrency', () => {
  it('is 0 for no actions, 1 for one', () => {
    expect(peakConcurrency([])).toEqual({ max: 0, at: Number.NaN, ids: [] });
    expect(peakConcurrency([action(0, 5, { id: 'a' })])).toEqual({ max: 1, at: 0, ids: ['a'] });
  });

  it('an action ending at the moment another starts does not overlap it, in any order of the log', () => {
    const chain = [action(0, 5), action(5, 10), action(10, 15), action(15, 20)];
    for (const seed of [1, 2, 3, 4, 5]) expect(peakConcurrency(shuffled(chain, seed)).max).toBe(1);
  });

  it('actions starting at the same instant overlap', () => {
    expect(peakConcurrency([action(0, 5), action(0, 5), action(0, 1)]).max).toBe(3);
  });

  it('counts what runs at one instant, not what overlaps one action (nested and chained actions)', () => {
    // A long action overlaps two short ones that never overlap each other: 2 at once, not 3.
    expect(peakConcurrency([action(0, 10), action(1, 2), action(3, 4)]).max).toBe(2);
    // The middle one overlaps both neighbours, which never meet: 2, not 3.
    expect(peakConcurrency([action(0, 3), action(2, 5), action(4, 7)]).max).toBe(2);
    // Three at once only between 3 and 4.
    const peak = peakConcurrency(
      shuffled([action(0, 10, { id: 'long' }), action(1, 4, { id: 'a' }), action(3, 6, { id: 'b' })]),
    );
    expect(peak.max).toBe(3);
    expect(peak.at).toBe(3);
    expect([...peak.ids].sort()).toEqual(['a', 'b', 'long']);
  });

  it('an action of no length overlaps what runs at that instant, but not what ended then', () => {
    expect(peakConcurrency([action(0, 10), action(5, 5)]).max).toBe(2);
    expect(peakConcurrency([action(0, 5), action(5, 5), action(5, 9)]).max).toBe(2);
    expect(peakConcurrency([action(0, 5), action(5, 5)]).max).toBe(1);
  });

  it('matches a brute force on random logs', () => {
    const record = fc
      .record({ start: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 0, max: 12 }) })
      .map(({ start, length }) => action(start, start + length));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        expect(peakConcurrency(records).max).toBe(bruteForce(records));
      }),
      { numRuns: 500 },
    );
  });
});

describe('analyseActionLog', () => {
  it('per VM, per host, per scheduler and overall; a VM of one name on two hosts is two VMs', () => {
    const log = [
      // h1: vm1 runs two at once once (2..3), vm2 one; the host three at once (2..3).
      action(0, 3, { id: 'a', host: 'h1', vm: 'vm1', scheduler: 's1' }),
      action(2, 4, { id: 'b', host: 'h1', vm: 'vm1', scheduler: 's2' }),
      action(1, 6, { id: 'c', host: 'h1', vm: 'vm2', scheduler: 's1' }),
      // h2: vm1 (the name again) runs one at a time, right after each other.
      action(0, 2, { id: 'd', host: 'h2', vm: 'vm1', scheduler: 's2' }),
      action(2, 5, { id: 'e', host: 'h2', vm: 'vm1', scheduler: 's2' }),
    ];
    const analysis = analyseActionLog(shuffled(log));
    expect(analysis.actions).toBe(5);
    expect(analysis.overall.max).toBe(4); // a, b, c, e at 2..3
    expect(analysis.perHost.get('h1')?.max).toBe(3);
    expect(analysis.perHost.get('h2')?.max).toBe(1);
    expect(analysis.perVm.get('h1')?.get('vm1')?.max).toBe(2);
    expect(analysis.perVm.get('h1')?.get('vm2')?.max).toBe(1);
    expect(analysis.perVm.get('h2')?.get('vm1')?.max).toBe(1); // not merged with h1's vm1
    expect(analysis.perScheduler.get('s1')?.max).toBe(2);
    expect(analysis.perScheduler.get('s2')?.max).toBe(2);
    expect(analysis.maxPerHost).toMatchObject({ host: 'h1', max: 3, at: 2 });
    expect(analysis.maxPerVm).toMatchObject({ host: 'h1', vm: 'vm1', max: 2, at: 2 });
    expect([...analysis.maxPerVm.ids].sort()).toEqual(['a', 'b']);
  });

  it('a VM cap held across two schedulers: one after the other, never together', () => {
    // Two schedulers take turns on one VM, each action starting as the other's ends: never two at once.
    const log = Array.from({ length: 20 }, (_, i) => action(i * 10, i * 10 + 10, { scheduler: `s${i % 2}` }));
    const analysis = analyseActionLog(shuffled(log));
    expect(analysis.maxPerVm.max).toBe(1);
    expect(analysis.overall.max).toBe(1);
    // One more action of that VM, 1 ms into another one: the cap is broken, and the analysis says where.
    const broken = analyseActionLog([...log, action(51, 55, { id: 'late', scheduler: 's0' })]);
    expect(broken.maxPerVm).toMatchObject({ max: 2, at: 51, host: 'h1', vm: 'vm1' });
    expect(broken.maxPerVm.ids).toContain('late');
  });

  it('ids run more than once, expected ids missing, ids not expected', () => {
    const log = [
      action(0, 1, { id: 'x' }),
      action(1, 2, { id: 'y' }),
      action(2, 3, { id: 'x' }),
      action(3, 4, { id: 'x' }),
      action(4, 5, { id: 'z' }),
      action(5, 6, { id: 'stray' }),
    ];
    const analysis = analyseActionLog(log, { expected: ['w', 'x', 'y', 'z', 'v'] });
    expect([...analysis.duplicates]).toEqual([['x', 3]]);
    expect(analysis.extraRuns).toBe(2);
    expect(analysis.missing).toEqual(['w', 'v']);
    expect(analysis.unexpected).toEqual(['stray']);
    expect(analyseActionLog(log).missing).toEqual([]);
    expect(analyseActionLog(log).unexpected).toEqual([]);
  });

  it("each host's first completion: its rank among all completions and its latency", () => {
    const log = [
      action(0, 10, { id: 'n1', host: 'noisy' }),
      action(0, 20, { id: 'n2', host: 'noisy' }),
      action(5, 25, { id: 'q1', host: 'quiet' }),
      action(0, 30, { id: 'n3', host: 'noisy' }),
      action(22, 24, { id: 'q0', host: 'quiet' }), // started later, ended first: what counts is the end
    ];
    const analysis = analyseActionLog(shuffled(log));
    expect(analysis.firstCompletion.get('noisy')).toEqual({ id: 'n1', rank: 1, latency: 10 });
    expect(analysis.firstCompletion.get('quiet')).toEqual({ id: 'q0', rank: 3, latency: 24 });
    expect(analyseActionLog(log, { since: -100 }).firstCompletion.get('quiet')?.latency).toBe(124);
  });

  it('an empty log; a record that makes no sense is refused', () => {
    const analysis = analyseActionLog([], { expected: ['a'] });
    expect(analysis.overall.max).toBe(0);
    expect(analysis.maxPerVm).toMatchObject({ max: 0, host: undefined, vm: undefined });
    expect(analysis.missing).toEqual(['a']);
    expect(() => analyseActionLog([action(5, 4)])).toThrow(RangeError);
    expect(() => analyseActionLog([action(0, Number.NaN)])).toThrow(RangeError);
  });

  it('reads a log of one JSON record a line', () => {
    const log = [action(0, 1.5, { id: 'a' }), action(1.5, 2.25, { id: 'b' })];
    expect(parseActionLog(`${log.map((r) => JSON.stringify(r)).join('\n')}\n\n`)).toEqual(log);
  });
});
