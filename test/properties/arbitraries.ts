import fc from 'fast-check';

/** Child keys; few, so that random key paths often meet existing nodes. */
export const KEYS = ['a', 'b', 'c', 'd'] as const;
export type ChildKey = (typeof KEYS)[number];

export const keyArb: fc.Arbitrary<ChildKey> = fc.constantFrom(...KEYS);

/** The shape of a tree to build: leaves (of type `L`), and nodes with keyed, maybe paused children. */
export type TreeSpec<L extends Leafy = LeafSpec> = L | NodeSpec<L>;
export interface Leafy {
  readonly t: 'leaf';
}
/** The core's leaf: a `FifoQueue` built with this many events. */
export interface LeafSpec extends Leafy {
  readonly items: number;
}
export interface NodeSpec<L extends Leafy = LeafSpec> {
  readonly t: 'node';
  readonly children: readonly ChildSpec<L>[];
  /** Build the node from a Map rather than a plain object. */
  readonly asMap: boolean;
}
export interface ChildSpec<L extends Leafy = LeafSpec> {
  readonly key: ChildKey;
  readonly spec: TreeSpec<L>;
  /** Paused before the tree is used. */
  readonly paused: boolean;
}

/** True one time in five; shrinks to false. */
const rarely = fc.nat({ max: 4 }).map((n) => n === 4);

export function leafSpecArb(maxItems: number): fc.Arbitrary<LeafSpec> {
  return fc.record({ t: fc.constant('leaf' as const), items: fc.nat({ max: maxItems }) });
}

/** A node of at most `levels` levels of nodes (1: its children are leaves). */
export function nodeSpecArb<L extends Leafy>(levels: number, leaf: fc.Arbitrary<L>): fc.Arbitrary<NodeSpec<L>> {
  const child: fc.Arbitrary<TreeSpec<L>> =
    levels <= 1
      ? leaf
      : fc.oneof({ arbitrary: leaf, weight: 3 }, { arbitrary: nodeSpecArb(levels - 1, leaf), weight: 2 });
  return fc.record({
    t: fc.constant('node' as const),
    children: fc.uniqueArray(fc.record({ key: keyArb, spec: child, paused: rarely }), {
      selector: (c) => c.key,
      minLength: 1,
      maxLength: 4,
    }),
    asMap: fc.boolean(),
  });
}

/** A subtree to add: a leaf, or a node of at most `levels` levels. */
export function subtreeSpecArb<L extends Leafy>(levels: number, leaf: fc.Arbitrary<L>): fc.Arbitrary<TreeSpec<L>> {
  return fc.oneof({ arbitrary: leaf, weight: 2 }, { arbitrary: nodeSpecArb(levels, leaf), weight: 1 });
}

/** Cuts a spec down to at most `levels` levels of nodes (deeper nodes become `leaf`). */
export function truncateSpec<L extends Leafy>(spec: TreeSpec<L>, levels: number, leaf: L): TreeSpec<L> {
  if (spec.t === 'leaf') return spec;
  if (levels <= 0) return leaf;
  return { ...spec, children: spec.children.map((c) => ({ ...c, spec: truncateSpec(c.spec, levels - 1, leaf) })) };
}

/** Picks the `n`-th element modulo the length; undefined for an empty list. */
export function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** A cheap assertion for hot loops (vitest's `expect` costs too much per step): deep equality via JSON. */
export function same(actual: unknown, expected: unknown, what: string): void {
  if (actual === expected) return;
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (typeof actual === 'object' && typeof expected === 'object' && a === e) return;
  throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Asserts that `fn` throws an error of the given class whose message matches. */
export function throws(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp, what: string): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof type && message.test(err.message)) return;
    throw new Error(`${what}: threw ${String(err)}, expected a ${type.name} matching ${String(message)}`, {
      cause: err,
    });
  }
  throw new Error(`${what}: did not throw`);
}
