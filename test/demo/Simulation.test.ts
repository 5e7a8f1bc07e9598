import { describe, expect, it } from 'vitest';
import type { DemoEvent, Workload } from '../../src/demo/generateWorkload.js';
import { Simulation } from '../../src/demo/Simulation.js';

/** Events from `[host, vm, policy, arrival, duration]` rows; ids 1..n in row order. */
function events(rows: readonly (readonly [number, number, number, number, number])[]): DemoEvent[] {
  return rows.map(([host, vm, policy, arrival, duration], i) => ({ id: i + 1, host, vm, policy, arrival, duration }));
}

function workload(hosts: number, vms: number, policies: number, rows: Parameters<typeof events>[0]): Workload {
  return { hosts, vms, policies, events: events(rows), noisyHost: 0 };
}

/** Waits by id, for readable expectations. */
function waitsById(w: Workload, waits: Float64Array): Record<number, number> {
  return Object.fromEntries(w.events.map((e, i) => [e.id, waits[i] as number]));
}

describe('Simulation', () => {
  // Host 0 has a backlog of five 10 ms actions at t=0; host 1's one event arrives at t=1. One slot.
  const noisy = workload(2, 1, 1, [
    [0, 0, 0, 0, 10],
    [0, 0, 0, 0, 10],
    [0, 0, 0, 0, 10],
    [0, 0, 0, 0, 10],
    [0, 0, 0, 0, 10],
    [1, 0, 0, 1, 10],
  ]);

  it("should carry the library's FairStats snapshot of the fair run, agreeing with its own waits", () => {
    const fair = new Simulation(noisy, 'fair', 1).runToEnd();
    // As the test below measures: host 0's events waited 0, 10, 30, 40 and 50 ms, host 1's one event 19 ms.
    expect(fair.stats?.totals).toMatchObject({ dispatched: 6, queued: 0, active: 0 });
    expect(fair.stats?.keys.map((k) => [k.key, k.dispatched, k.wait?.max])).toEqual([
      ['compute0', 5, 50],
      ['compute1', 1, 19],
    ]);
    expect(fair.stats?.keys[0]?.wait).toEqual({ count: 5, p50: 30, p90: 50, p99: 50, max: 50 });
    expect(new Simulation(noisy, 'fifo', 1).runToEnd().stats).toBeUndefined();
  });

  it('should serve the quiet host after one turn of the noisy one when fair', () => {
    const result = new Simulation(noisy, 'fair', 1).runToEnd();
    // t=0: 1 starts. t=10: host 0 is at the front (it queued first): 2. t=20: host 1: 6. Then 3, 4, 5.
    expect(result.dispatchOrder).toEqual([1, 2, 6, 3, 4, 5]);
    expect(waitsById(noisy, result.waits)).toEqual({ 1: 0, 2: 10, 6: 19, 3: 30, 4: 40, 5: 50 });
    expect(result.makespan).toBe(60);
  });

  it('should make the quiet host wait for the whole backlog when FIFO', () => {
    const result = new Simulation(noisy, 'fifo', 1).runToEnd();
    expect(result.dispatchOrder).toEqual([1, 2, 3, 4, 5, 6]);
    expect(waitsById(noisy, result.waits)).toEqual({ 1: 0, 2: 10, 3: 20, 4: 30, 5: 40, 6: 49 });
    expect(result.makespan).toBe(60);
  });

  it('should count every event exactly once, within the concurrency limit', () => {
    for (const strategy of ['fair', 'fifo'] as const) {
      const result = new Simulation(noisy, strategy, 1).runToEnd();
      expect(result).toMatchObject({ strategy, dispatched: 6, completed: 6, duplicates: 0, idSum: 21, maxActive: 1 });
    }
  });

  it("should dispatch nested round-robin in the seed's order: compute1-vm1, compute2-vm1, compute3-vm1, compute1-vm2, ...", () => {
    // Event 1 takes the only slot; the rest queue at t=0 in host-then-VM order.
    const w = workload(3, 2, 1, [
      [0, 0, 0, 0, 10],
      [0, 0, 0, 0, 10],
      [0, 1, 0, 0, 10],
      [1, 0, 0, 0, 10],
      [1, 1, 0, 0, 10],
      [2, 0, 0, 0, 10],
      [2, 1, 0, 0, 10],
    ]);
    const result = new Simulation(w, 'fair', 1).runToEnd();
    expect(result.dispatchOrder).toEqual([1, 2, 4, 6, 3, 5, 7]);
    expect(waitsById(w, result.waits)).toEqual({ 1: 0, 2: 10, 4: 20, 6: 30, 3: 40, 5: 50, 7: 60 });
  });

  it('should time actions of different durations in virtual time, with two slots', () => {
    // t=0: 1 (30 ms) and 2 (10 ms) start. t=5: 3 and 4 queue. t=10: 2 ends, 3 starts. t=20: 3 ends, 4 starts.
    const w = workload(1, 1, 1, [
      [0, 0, 0, 0, 30],
      [0, 0, 0, 0, 10],
      [0, 0, 0, 5, 10],
      [0, 0, 0, 5, 5],
    ]);
    for (const strategy of ['fair', 'fifo'] as const) {
      const result = new Simulation(w, strategy, 2).runToEnd();
      expect(waitsById(w, result.waits)).toEqual({ 1: 0, 2: 0, 3: 5, 4: 15 });
      expect(result.makespan).toBe(30);
      expect(result.maxActive).toBe(2);
    }
  });

  it('should run nothing until advanced, and give the same result in slices as in one go', () => {
    const sliced = new Simulation(noisy, 'fair', 1);
    expect(sliced.dispatched).toBe(0);
    sliced.advanceTo(0);
    expect(sliced.dispatched).toBe(1);
    sliced.advanceTo(15);
    expect(sliced.dispatched).toBe(2);
    expect(sliced.done).toBe(false);
    for (let frame = 16; !sliced.done; frame++) sliced.advanceTo(frame);
    expect(sliced.now).toBe(60);
    expect(sliced.result()).toEqual(new Simulation(noisy, 'fair', 1).runToEnd());
  });

  it('should complete at once with no events', () => {
    const result = new Simulation(workload(2, 2, 2, []), 'fair', 4).runToEnd();
    expect(result).toMatchObject({ dispatched: 0, completed: 0, makespan: 0 });
  });

  it('should reject a workload it cannot replay', () => {
    expect(
      () =>
        new Simulation(
          workload(1, 1, 1, [
            [0, 0, 0, 5, 1],
            [0, 0, 0, 4, 1],
          ]),
          'fair',
          1,
        ),
    ).toThrow(/sorted by arrival/);
    expect(() => new Simulation(workload(1, 1, 1, [[1, 0, 0, 0, 1]]), 'fair', 1)).toThrow(/host 1 is out of range/);
    expect(() => new Simulation(workload(1, 1, 1, []), 'fifo', 0)).toThrow(/concurrency/);
  });
});
