import type { DropReason, OverflowPolicy } from '../../src/index.js';

/**
 * The reference for bounded leaves (issue 6, feature 4): one array per leaf path and the policy applied to it,
 * written from the rules in docs/bounds.md, not from the implementation. It says what each push does (queued,
 * dropped which, or refused), so a test can compare the implementation's reports and its leaves with it.
 */
export interface Report<E> {
  readonly event: E;
  readonly reason: DropReason;
  readonly path: readonly unknown[];
}

export class BoundModel<E> {
  readonly leaves = new Map<string, E[]>();
  /** Every drop and replacement, in the order they happened. */
  readonly reports: Report<E>[] = [];

  constructor(
    readonly size: number,
    readonly overflow: OverflowPolicy,
  ) {}

  /** Whether a push into the leaf at `path` would overflow with policy 'error' (the push is then refused). */
  full(path: readonly unknown[]): boolean {
    return (this.leaves.get(key(path))?.length ?? 0) >= this.size;
  }

  /** Applies a push; returns false if it is refused with an error ('error' policy, leaf full). */
  push(path: readonly unknown[], event: E): boolean {
    const k = key(path);
    const leaf = this.leaves.get(k) ?? [];
    this.leaves.set(k, leaf);
    if (leaf.length < this.size) {
      leaf.push(event);
      return true;
    }
    switch (this.overflow) {
      case 'error':
        return false;
      case 'drop-oldest':
        this.reports.push({ event: leaf.shift() as E, reason: 'drop-oldest', path: [...path] });
        leaf.push(event);
        return true;
      case 'drop-newest':
        this.reports.push({ event, reason: 'drop-newest', path: [...path] });
        return true;
      case 'latest':
        this.reports.push({ event: leaf[leaf.length - 1] as E, reason: 'latest', path: [...path] });
        leaf[leaf.length - 1] = event;
        return true;
    }
  }

  /** The leaf's oldest event is taken (dispatched); returns it. */
  take(path: readonly unknown[]): E | undefined {
    return this.leaves.get(key(path))?.shift();
  }

  get queued(): number {
    let n = 0;
    for (const leaf of this.leaves.values()) n += leaf.length;
    return n;
  }
}

function key(path: readonly unknown[]): string {
  return JSON.stringify(path);
}
