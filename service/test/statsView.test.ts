import { describe, expect, it } from 'vitest';
import type { SchedulerStats } from '../src/Scheduler.js';
import { InvalidInputError } from '../src/schemas.js';
import { parseStatsQuery, statsView, type StatsBody } from '../src/statsView.js';

const stats = {
  consuming: true,
  concurrency: 4,
  id: 'me',
  shards: [1],
  hosts: 1,
  queued: { a: { v: 1 }, b: { v: 5 }, c: { v: 2 } },
  active: 0,
  dispatched: 0,
  done: 7,
  retried: 0,
  failed: 0,
  timedOut: 0,
  malformed: 0,
  parked: 3,
  moved: 0,
  conflated: 0,
  skipped: 0,
  weights: {},
  availability: { d: 'MAINTENANCE' },
} satisfies SchedulerStats;

const body = (): StatsBody => ({
  ...stats,
  library: null,
  inBroker: { shards: 9, hosts: { a: 10 }, parked: { 'd/vm1': 3 } },
});

describe('GET /stats, cut to the busiest hosts', () => {
  it('keeps the hosts with the most queued in memory and in the broker, and every total', () => {
    const view = statsView(body(), 2);
    expect(view.queued).toEqual({ a: { v: 1 }, b: { v: 5 } }); // a: 1 + 10 in its backlog queue; b: 5
    expect(view.inBroker).toEqual({ shards: 9, hosts: { a: 10 }, parked: {} });
    expect(view.availability).toEqual({});
    expect(view).toMatchObject({ hostsShown: 2, hostsTotal: 4, done: 7, parked: 3 });
    expect(statsView(body(), 3).inBroker).toMatchObject({ parked: { 'd/vm1': 3 } }); // d: 3 parked, c: 2
    expect(statsView(body(), 100)).toEqual({ ...body(), hostsShown: 4, hostsTotal: 4 });
  });

  it('takes ?hosts= from 1 to 10,000 (100 when absent) and refuses anything else, naming the field', () => {
    expect(parseStatsQuery({})).toBe(100);
    expect(parseStatsQuery({ hosts: '7' })).toBe(7);
    for (const hosts of ['0', '10001', '1.5', 'x', ['1', '2']])
      expect(() => parseStatsQuery({ hosts })).toThrow(InvalidInputError);
    expect(() => parseStatsQuery({ hosts: '0' })).toThrow('must be an integer from 1 to 10000');
  });
});
