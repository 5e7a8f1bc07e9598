import { describeValue } from '../core/checks.js';
import type { FairSink, FairSource, StatsHost } from './fairProtocol.js';

/*
 * What crosses between copies of the library (its ESM and CJS builds, two installs of it) is recognised by registered
 * symbols, never by `instanceof`: each copy has its own classes. The number in a brand's description is the version
 * of the protocol spoken across (FairSink, FairSource and the QueueNode methods the dispatcher pulls with; StatsHost,
 * StatsTarget and StatsTap): bump it on any incompatible change, so that copies speaking different ones never connect.
 * A brand is an own property of the value (set by its constructor), in every version: `hasBrand` looks nowhere else.
 */

/**
 * @internal A `roundRobin` node's brand. Its value is the node's connect function (called with the node as `this`),
 * so a tree is always mounted by the copy that built it, and only the FairSink/FairSource protocol crosses.
 */
export const FAIR_NODE: unique symbol = /* @__PURE__ */ Symbol.for('rxjs-fair/roundRobin@1');

/** @internal A `FairStats`'s brand; its value is the stats object itself, as the dispatcher talks to it. */
export const FAIR_STATS: unique symbol = /* @__PURE__ */ Symbol.for('rxjs-fair/FairStats@1');

/** @internal A value recognised by {@link FAIR_NODE}. */
export interface FairNode<T> {
  readonly [FAIR_NODE]: (this: unknown, sink: FairSink<T>) => FairSource<T>;
}

/** @internal A value recognised by {@link FAIR_STATS}. */
export interface FairStatsBrand {
  readonly [FAIR_STATS]: StatsHost<unknown>;
}

/**
 * @internal Whether `value` carries a brand of the family `name` (`'roundRobin'`) of any protocol version, this one
 * included. Not for the hot path: it lists the value's own symbols.
 */
export function hasBrand(value: unknown, name: string): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const prefix = `rxjs-fair/${name}@`;
  for (const key of Object.getOwnPropertySymbols(value))
    if (Symbol.keyFor(key)?.startsWith(prefix) === true) return true;
  return false;
}

/**
 * @internal How a fair consumer connects to `source` if it is a `roundRobin` node, of this copy or of another one
 * speaking the same protocol; `undefined` for any other Observable. A node of an incompatible version is an error:
 * pulled as a plain stream it would silently dispatch first-in first-out.
 */
export function connectFairNode<T>(source: object): ((sink: FairSink<T>) => FairSource<T>) | undefined {
  const connect = (source as Partial<FairNode<T>>)[FAIR_NODE];
  if (typeof connect === 'function') return (sink) => connect.call(source, sink);
  if (hasBrand(source, 'roundRobin')) {
    throw new TypeError(
      'Cannot pull from a roundRobin node built by an incompatible version of rxjs-fair: pipe it into the fairMergeMap of the copy that built it',
    );
  }
  return undefined;
}

/**
 * @internal The stats object `fairMergeMap` was given (`options.stats`), from this copy or another one speaking the
 * same protocol; a TypeError for anything else.
 */
export function statsHostOf(stats: unknown): StatsHost<unknown> {
  const host = stats !== null && typeof stats === 'object' ? (stats as Partial<FairStatsBrand>)[FAIR_STATS] : undefined;
  if (host !== undefined && host !== null && typeof host._attach === 'function' && typeof host._detach === 'function')
    return host;
  if (hasBrand(stats, 'FairStats')) {
    throw new TypeError(
      'Expected `stats` to be a FairStats of a compatible copy of rxjs-fair: this one was built by an incompatible version',
    );
  }
  throw new TypeError(`Expected \`stats\` to be a FairStats, got ${describeValue(stats)}`);
}
