import type { Subscriber } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';
import { WaitSketch } from '../core/WaitSketch.js';
import type { FairSnapshot } from './FairSnapshot.js';

/** @internal What one `snapshots` subscription counted since its previous snapshot. */
export class StatsWindow {
  dispatched = 0;
  readonly waits = new WaitSketch();
  /** Per top-level key: its dispatches and waits. */
  readonly keys = new Map<unknown, KeyWindow>();

  constructor(
    readonly subscriber: Subscriber<FairSnapshot>,
    public since: number,
    /** The top-level keys busy when the window began. */
    public busy: Set<unknown>,
  ) {}

  count(top: QueueNode<unknown> | null, weight: number, wait: number): void {
    this.dispatched++;
    const timed = !Number.isNaN(wait);
    if (timed) this.waits.record(wait);
    if (top === null) return;
    let key = this.keys.get(top._key);
    if (key === undefined) this.keys.set(top._key, (key = { dispatched: 0, weight, waits: new WaitSketch() }));
    key.dispatched++;
    key.weight = weight;
    if (timed) key.waits.record(wait);
  }

  reset(since: number, busy: Set<unknown>): void {
    this.since = since;
    this.busy = busy;
    this.dispatched = 0;
    this.waits.clear();
    this.keys.clear();
  }
}

interface KeyWindow {
  dispatched: number;
  weight: number;
  readonly waits: WaitSketch;
}
