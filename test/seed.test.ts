/**
 * The seed's two test classes (../shared/seed/000_3e88e60f55a5e74f.txt, 2017, Python), ported: Version 1 on the
 * synchronous core and through Subjects, Version 2 (VM availability) with pause/resume, and the seed's host order.
 */
import { Observable, Subject, of, type Subscriber } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FifoQueue, RoundRobinQueue, fairMergeMap, roundRobin, type RoundRobin } from '../src/index.js';

/** The seed's `Vm`: only availability matters. */
class Vm {
  constructor(
    readonly name: string,
    public available: boolean,
  ) {}
}

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

const VERSION_1_ORDER = [
  'healing',
  'dummy1',
  'UPDATE',
  'scaling out',
  'dummy2',
  'UPGRADE',
  'scaling in',
  'dummy3',
  'MIGRATE',
];

describe('seed Version 1: TestRoundRobin', () => {
  let Vm1: Vm;
  let Vm2: Vm;
  let Vm3: Vm;
  let rr: RoundRobinQueue<string, Vm | string>;

  beforeEach(() => {
    Vm1 = new Vm('Vm1', true);
    Vm2 = new Vm('Vm2', true);
    Vm3 = new Vm('Vm3', false);
    const q = (state: string): FifoQueue<string> => {
      const queue = new FifoQueue<string>();
      queue.push(state); // the seed's add_state
      return queue;
    };
    const pol_rr_1 = new RoundRobinQueue<string>({ pol1: q('healing'), pol2: q('scaling out'), pol3: q('scaling in') });
    const pol_rr_2 = new RoundRobinQueue<string>({ pol1: q('dummy1'), pol2: q('dummy2'), pol3: q('dummy3') });
    const pol_rr_3 = new RoundRobinQueue<string>({ pol1: q('UPDATE'), pol2: q('UPGRADE'), pol3: q('MIGRATE') });
    rr = new RoundRobinQueue<string, Vm | string>(
      new Map<Vm | string, RoundRobinQueue<string>>([
        [Vm1, pol_rr_1],
        [Vm2, pol_rr_2],
        [Vm3, pol_rr_3],
      ]),
    );
  });

  it('test_add: add appends a key', () => {
    rr.add('foo', new FifoQueue(['bar']));
    expect([...rr.keys()]).toEqual([Vm1, Vm2, Vm3, 'foo']);
    expect(rr.has('foo')).toBe(true);
    // The seed added a bare value; here a child must be a queue.
    expect(() => rr.add('baz', 'bar' as unknown as FifoQueue<string>)).toThrow(TypeError);
    expect([...rr.keys()]).toEqual([Vm1, Vm2, Vm3, 'foo']);
  });

  it("test_get_next: the seed's order", () => {
    for (const expected of VERSION_1_ORDER) expect(rr.next()).toBe(expected);
    expect(rr.next()).toBeUndefined();
  });

  it('test_get_next: the added key takes its turn at the back of the rotation', () => {
    expect(rr.next()).toBe('healing');
    rr.add('foo', new FifoQueue(['bar']));
    // Rotation after 'healing': Vm2, Vm3, Vm1; 'foo' joins behind Vm1.
    expect(drain(rr)).toEqual([
      'dummy1',
      'UPDATE',
      'scaling out',
      'bar',
      'dummy2',
      'UPGRADE',
      'scaling in',
      'dummy3',
      'MIGRATE',
    ]);
  });

  it("test_get_next: the seed's order through Subjects, roundRobin nodes and fairMergeMap", () => {
    const subjects = Array.from({ length: 9 }, () => new Subject<string>());
    const s = (i: number): Subject<string> => subjects[i - 1] as Subject<string>;
    const pol_rr_1 = roundRobin({ pol1: s(1), pol2: s(2), pol3: s(3) });
    const pol_rr_2 = roundRobin({ pol1: s(4), pol2: s(5), pol3: s(6) });
    const pol_rr_3 = roundRobin({ pol1: s(7), pol2: s(8), pol3: s(9) });
    const node = roundRobin(
      new Map<Vm, RoundRobin<string>>([
        [Vm1, pol_rr_1],
        [Vm2, pol_rr_2],
        [Vm3, pol_rr_3],
      ]),
    );
    // Hold everything under a paused root child, fill the Subjects (q1..q9, the seed's add_state order), resume.
    const root = roundRobin({ cloud: node });
    root.pause('cloud');
    const executed: string[] = [];
    let completed = false;
    root.pipe(fairMergeMap((state) => of(state), 1)).subscribe({
      next: (state) => executed.push(state),
      complete: () => (completed = true),
    });
    const states = [
      'healing',
      'scaling out',
      'scaling in',
      'dummy1',
      'dummy2',
      'dummy3',
      'UPDATE',
      'UPGRADE',
      'MIGRATE',
    ];
    states.forEach((state, i) => s(i + 1).next(state));
    expect(executed).toEqual([]);
    expect(node.size).toBe(9);
    root.resume('cloud');
    expect(executed).toEqual(VERSION_1_ORDER);
    for (const subject of subjects) subject.complete();
    expect(completed).toBe(true);
  });
});

describe('seed Version 2: TestRoundRobin (VM availability)', () => {
  let Vm1: Vm;
  let Vm2: Vm;
  let Vm3: Vm;
  let map: Map<Vm, Record<string, string>>;

  beforeEach(() => {
    Vm1 = new Vm('Vm1', true);
    Vm2 = new Vm('Vm2', true);
    Vm3 = new Vm('Vm3', false);
    map = new Map([
      [Vm1, { policy1: 'healing', policy2: 'scaling out', policy3: 'scaling in ' }],
      [Vm2, { policy1: 'migrate', policy2: 'healing', policy3: 'live-migrate' }],
      [Vm3, { policy1: 'resize', policy2: 'pause', policy3: 'stop' }],
    ]);
  });

  /** The seed's job queue as a tree: one node per VM, one FIFO per policy; an unavailable VM is paused. */
  function jobQueue(): RoundRobinQueue<string, Vm> {
    const q = new RoundRobinQueue<string, Vm>();
    for (const [vm, policies] of map) {
      const node = new RoundRobinQueue<string>();
      for (const [policy, job] of Object.entries(policies)) node.add(policy, new FifoQueue([job]));
      q.add(vm, node);
      if (!vm.available) q.pause(vm);
    }
    return q;
  }

  it('test_round_robin: every VM is in the rotation order', () => {
    const q = jobQueue();
    expect([...q.keys()]).toEqual([Vm1, Vm2, Vm3]);
  });

  it('test_queue: the unavailable VM is skipped (paused), its jobs kept', () => {
    const q = jobQueue();
    expect([...q.keys()].filter((vm) => !q.isPaused(vm))).toEqual([Vm1, Vm2]);
    expect(q.isPaused(Vm3)).toBe(true);
    expect(q.size).toBe(9);
    expect(drain(q)).toEqual(['healing', 'migrate', 'scaling out', 'healing', 'scaling in ', 'live-migrate']);
    expect(q.size).toBe(3);
    expect(q.next()).toBeUndefined();
  });

  it("test_queue: the VM's jobs run after it is back (resume)", () => {
    const q = jobQueue();
    expect(q.next()).toBe('healing');
    Vm3.available = true;
    q.resume(Vm3); // joins the back of the rotation: Vm2, Vm1, Vm3
    expect(drain(q)).toEqual([
      'migrate',
      'scaling out',
      'resize',
      'healing',
      'scaling in ',
      'pause',
      'live-migrate',
      'stop',
    ]);
    expect(q.size).toBe(0);
  });

  it('test_run: with a limit of 10 parallel executions, the job queue empties (after the VM is back)', () => {
    // Through Subjects and fairMergeMap: each job runs until completed by hand.
    const subjects = new Map<string, Subject<string>>();
    const vmNodes = new Map<Vm, RoundRobin<string>>();
    for (const [vm, policies] of map) {
      const children: Record<string, Subject<string>> = {};
      for (const policy of Object.keys(policies)) {
        const subject = new Subject<string>();
        subjects.set(`${vm.name}/${policy}`, subject);
        children[policy] = subject;
      }
      vmNodes.set(vm, roundRobin(children));
    }
    const node = roundRobin(vmNodes);
    for (const vm of map.keys()) if (!vm.available) node.pause(vm);

    let running: Subscriber<string>[] = [];
    const executing: string[] = [];
    let completed = false;
    node
      .pipe(
        fairMergeMap(
          (job) =>
            new Observable<string>((subscriber) => {
              executing.push(job);
              running.push(subscriber);
            }),
          10,
        ),
      )
      .subscribe({ complete: () => (completed = true) });

    for (const [vm, policies] of map)
      for (const [policy, job] of Object.entries(policies)) subjects.get(`${vm.name}/${policy}`)?.next(job);
    for (const subject of subjects.values()) subject.complete();

    // Ten slots: every job of the available VMs runs at once, in arrival order; Vm3's jobs wait.
    expect(executing).toEqual(['healing', 'scaling out', 'scaling in ', 'migrate', 'healing', 'live-migrate']);
    expect(node.size).toBe(3);
    for (const subscriber of running) subscriber.complete();
    running = [];
    expect(completed).toBe(false); // Vm3's jobs are still queued

    Vm3.available = true;
    node.resume(Vm3);
    expect(executing.slice(6)).toEqual(['resize', 'pause', 'stop']);
    expect(node.size).toBe(0);
    expect(running.length).toBe(3);
    for (const subscriber of running) subscriber.complete();
    expect(completed).toBe(true);
  });

  it('applies the seed availability mapping ({ Compute1: { VM1: "DOWN", VM2: "MAINTENANCE" } }) as pauses', () => {
    const leaves = new Map<string, Subject<string>>();
    const leaf = (name: string): Subject<string> => {
      const s = new Subject<string>();
      leaves.set(name, s);
      return s;
    };
    const hosts = {
      Compute1: roundRobin({ VM1: leaf('c1v1'), VM2: leaf('c1v2'), VM3: leaf('c1v3') }),
      Compute2: roundRobin({ VM1: leaf('c2v1') }),
    };
    const cloud = roundRobin(hosts);
    const mapping: Record<string, Record<string, 'ACTIVE' | 'DOWN' | 'MAINTENANCE'>> = {
      Compute1: { VM1: 'DOWN', VM2: 'MAINTENANCE' },
    };
    const apply = (): void => {
      for (const [host, vms] of Object.entries(mapping))
        for (const [vm, state] of Object.entries(vms)) {
          const node = hosts[host as keyof typeof hosts];
          if (state === 'ACTIVE') node.resume(vm);
          else node.pause(vm);
        }
    };
    apply();
    const out: string[] = [];
    cloud.pipe(fairMergeMap((e) => of(e), 1)).subscribe((e) => out.push(e));
    for (const name of ['c1v1', 'c1v2', 'c1v3', 'c2v1']) leaves.get(name)?.next(name);
    expect(out).toEqual(['c1v3', 'c2v1']);
    mapping['Compute1'] = { VM1: 'ACTIVE', VM2: 'ACTIVE' };
    apply();
    expect(out).toEqual(['c1v3', 'c2v1', 'c1v1', 'c1v2']);
  });
});

describe("the seed's host order: Compute1-VM1 -> Compute2-VM1 -> Compute3-VM1 -> Compute1-VM2 -> ...", () => {
  const expected = [
    'compute1-vm1',
    'compute2-vm1',
    'compute3-vm1',
    'compute1-vm2',
    'compute2-vm2',
    'compute3-vm2',
    'compute1-vm1',
    'compute2-vm1',
    'compute3-vm1',
    'compute1-vm2',
    'compute2-vm2',
    'compute3-vm2',
  ];

  function cloudOfSubjects(): { cloud: RoundRobin<string>; fill: () => void } {
    const leaves: [string, Subject<string>][] = [];
    const hosts: Record<string, RoundRobin<string>> = {};
    for (let h = 1; h <= 3; h++) {
      const vms: Record<string, Subject<string>> = {};
      for (let v = 1; v <= 2; v++) {
        const s = new Subject<string>();
        vms[`vm${v}`] = s;
        leaves.push([`compute${h}-vm${v}`, s]);
      }
      hosts[`compute${h}`] = roundRobin(vms);
    }
    // Two events per VM, pushed host by host.
    const fill = (): void => {
      for (const [name, s] of leaves) {
        s.next(name);
        s.next(name);
      }
    };
    return { cloud: roundRobin(hosts), fill };
  }

  it('holds on the synchronous core', () => {
    const host = (h: number): RoundRobinQueue<string> =>
      new RoundRobinQueue<string>({
        vm1: new FifoQueue([`compute${h}-vm1`, `compute${h}-vm1`]),
        vm2: new FifoQueue([`compute${h}-vm2`, `compute${h}-vm2`]),
      });
    const cloud = new RoundRobinQueue<string>({ compute1: host(1), compute2: host(2), compute3: host(3) });
    expect(drain(cloud)).toEqual(expected);
  });

  it('holds through Subjects, roundRobin nodes and fairMergeMap (concurrency 1, a first projection that blocks)', () => {
    const { cloud, fill } = cloudOfSubjects();
    const blocker = new Subject<string>();
    const dispatched: string[] = [];
    cloud
      .pipe(
        fairMergeMap((e, index) => {
          if (index === 0) return blocker;
          dispatched.push(e);
          return of(e);
        }, 1),
      )
      .subscribe();
    // The first event takes the only slot; all the others wait in the Subjects' leaves.
    const first = new Subject<string>();
    cloud.add('compute0', first);
    first.next('warm-up');
    fill();
    expect(dispatched).toEqual([]);
    expect(cloud.size).toBe(12);
    blocker.complete();
    expect(dispatched).toEqual(expected);
  });

  it('holds through Subjects, roundRobin nodes and fairMergeMap (a paused root child, then resume)', () => {
    const { cloud, fill } = cloudOfSubjects();
    const root = roundRobin({ cloud });
    root.pause('cloud');
    const dispatched: string[] = [];
    root.pipe(fairMergeMap((e) => of(e), 2)).subscribe((e) => dispatched.push(e));
    fill();
    expect(dispatched).toEqual([]);
    root.resume('cloud');
    expect(dispatched).toEqual(expected);
  });
});
