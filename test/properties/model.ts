/**
 * A slow, obviously correct reference model of nested round-robin (docs/semantics.md, semantics 1, 2, 3, 6), used
 * by the property tests as the oracle for both the core (`RoundRobinQueue`) and the reactive layer (`roundRobin`).
 *
 * Per node: the children in insertion order, each with a pause flag, and `rotation`, the ordered list of the
 * keys of the ready children (non-empty and not paused). The front child is served and moves to the back if it
 * is still ready. After every change, `normalize` walks the whole tree bottom-up: it drops keys that are no
 * longer ready and appends newly ready children at the back (in key order, which only matters for children
 * given together at construction). Readiness is recomputed from scratch every time; nothing is incremental.
 *
 * Children created by a key path (`auto`) are pruned once they are empty (a leaf with no events, a node with no
 * children) and not paused, as the JSDoc of `RoundRobinQueue.push` promises.
 */
export type Key = string;

export interface ModelLeaf<E> {
  readonly kind: 'leaf';
  readonly id: number;
  readonly items: E[];
  /** The most events active at once below it (Infinity: no cap). */
  cap: number;
  /** Events taken from it with counting on (`take`) and not yet released. */
  running: number;
}

export interface ModelNode<E> {
  readonly kind: 'node';
  readonly id: number;
  readonly children: Map<Key, ModelSlot<E>>;
  rotation: Key[];
  cap: number;
  /** The child at the front of the rotation when `used` was counted, and the turns it used there. */
  front: Key | undefined;
  used: number;
}

export type ModelTree<E> = ModelLeaf<E> | ModelNode<E>;

export interface ModelSlot<E> {
  readonly child: ModelTree<E>;
  paused: boolean;
  readonly auto: boolean;
  /** Turns in a row at the front of the rotation (weighted round-robin); 1 when not given. */
  weight?: number;
}

let nextId = 0;

export function modelLeaf<E>(items: E[] = []): ModelLeaf<E> {
  return { kind: 'leaf', id: nextId++, items: [...items], cap: Infinity, running: 0 };
}

function emptyNode<E>(): ModelNode<E> {
  return { kind: 'node', id: nextId++, children: new Map(), rotation: [], cap: Infinity, front: undefined, used: 0 };
}

/** A node with the given children, in the given order; ready ones join the rotation in that order. */
export function modelNode<E>(
  children: [Key, ModelTree<E>][] = [],
  weights: ReadonlyMap<Key, number> = new Map(),
): ModelNode<E> {
  const node = emptyNode<E>();
  for (const [key, child] of children)
    node.children.set(key, { child, paused: false, auto: false, weight: weights.get(key) ?? 1 });
  normalize(node);
  return node;
}

/** Events active below the tree now: the counted, unreleased events of the leaves it holds now. */
export function activeIn<E>(tree: ModelTree<E>): number {
  if (tree.kind === 'leaf') return tree.running;
  let n = 0;
  for (const slot of tree.children.values()) n += activeIn(slot.child);
  return n;
}

/**
 * Whether the tree can hand out an event: it is below its cap, and is a leaf with events, or a node with a
 * ready, unpaused child.
 */
export function isReady<E>(tree: ModelTree<E>): boolean {
  if (activeIn(tree) >= tree.cap) return false;
  if (tree.kind === 'leaf') return tree.items.length > 0;
  for (const slot of tree.children.values()) if (!slot.paused && isReady(slot.child)) return true;
  return false;
}

/** Events queued in the tree, paused ones included. */
export function countQueued<E>(tree: ModelTree<E>): number {
  if (tree.kind === 'leaf') return tree.items.length;
  let n = 0;
  for (const slot of tree.children.values()) n += countQueued(slot.child);
  return n;
}

/** Every event queued, in key order, each leaf oldest first (what `delete` hands back). */
export function queuedEvents<E>(tree: ModelTree<E>): E[] {
  if (tree.kind === 'leaf') return [...tree.items];
  const out: E[] = [];
  for (const slot of tree.children.values()) out.push(...queuedEvents(slot.child));
  return out;
}

function isEmptyShape<E>(tree: ModelTree<E>): boolean {
  return tree.kind === 'leaf' ? tree.items.length === 0 : tree.children.size === 0;
}

/**
 * Restores the model's invariants after any change: rotations hold exactly the ready children; prunes; a child
 * that is no longer at the front has used none of its turns.
 */
export function normalize<E>(node: ModelNode<E>): void {
  for (const slot of node.children.values()) if (slot.child.kind === 'node') normalize(slot.child);
  for (const [key, slot] of [...node.children]) {
    if (slot.auto && !slot.paused && isEmptyShape(slot.child) && activeIn(slot.child) === 0) node.children.delete(key);
  }
  const eligible = (key: Key): boolean => {
    const slot = node.children.get(key);
    return slot !== undefined && !slot.paused && isReady(slot.child);
  };
  node.rotation = node.rotation.filter(eligible);
  for (const key of node.children.keys()) if (eligible(key) && !node.rotation.includes(key)) node.rotation.push(key);
  if (node.rotation[0] !== node.front) {
    node.front = node.rotation[0];
    node.used = 0;
  }
}

/**
 * Takes one event: the front child serves (recursively); if still ready, it stays at the front until it used its
 * weight in turns, then goes to the back. With `count` (`take()`), the event counts as running at its leaf.
 * Returns the event, the keys served from `node` down, and the leaf. The caller normalizes from its root afterwards.
 */
export function takeNext<E>(
  node: ModelNode<E>,
  count = false,
): { event: E; keys: Key[]; leaf: ModelLeaf<E> } | undefined {
  if (activeIn(node) >= node.cap) return undefined;
  const key = node.rotation[0];
  if (key === undefined) return undefined;
  const slot = node.children.get(key);
  if (slot === undefined) throw new Error('model: rotation names a missing child');
  let result: { event: E; keys: Key[]; leaf: ModelLeaf<E> };
  if (slot.child.kind === 'leaf') {
    if (slot.child.items.length === 0) throw new Error('model: empty leaf in rotation');
    if (count) slot.child.running++;
    result = { event: slot.child.items.shift() as E, keys: [key], leaf: slot.child };
  } else {
    const inner = takeNext(slot.child, count);
    if (inner === undefined) throw new Error('model: idle node in rotation');
    result = { event: inner.event, keys: [key, ...inner.keys], leaf: inner.leaf };
  }
  if (!isReady(slot.child)) {
    node.rotation.shift();
  } else if (++node.used >= (slot.weight ?? 1)) {
    node.rotation.shift();
    node.rotation.push(key);
  } else return result; // keeps the front, with one more turn used
  node.front = node.rotation[0];
  node.used = 0;
  return result;
}

/** The child at a key path below `node`, or undefined. */
export function childAt<E>(node: ModelNode<E>, path: readonly Key[]): ModelTree<E> | undefined {
  let tree: ModelTree<E> = node;
  for (const key of path) {
    if (tree.kind !== 'node') return undefined;
    const slot = tree.children.get(key);
    if (slot === undefined) return undefined;
    tree = slot.child;
  }
  return tree;
}

/** How `push(path)` sets up what it creates (the core's `pathWeight` and `pathCaps`). */
export interface ModelBranches {
  readonly weight?: (path: readonly Key[], depth: number) => number;
  readonly caps?: readonly number[];
}

/** Outcome of `RoundRobinQueue.push(path, item)` on the model: queued, or the error the path must raise. */
export function pushPath<E>(
  root: ModelNode<E>,
  path: readonly Key[],
  item: E,
  newLeaf: () => ModelLeaf<E>,
  branches: ModelBranches = {},
): 'ok' | 'too short' | 'too long' {
  let node = root;
  let depth = 0;
  const last = path.length - 1;
  for (; depth <= last; depth++) {
    const slot = node.children.get(path[depth] as Key);
    if (slot === undefined) break;
    if (depth === last) {
      if (slot.child.kind !== 'leaf') return 'too short';
      slot.child.items.push(item);
      normalize(root);
      return 'ok';
    }
    if (slot.child.kind !== 'node') return 'too long';
    node = slot.child;
  }
  for (; depth <= last; depth++) {
    const key = path[depth] as Key;
    const child: ModelTree<E> = depth === last ? newLeaf() : emptyNode<E>();
    child.cap = branches.caps?.[depth] ?? Infinity;
    const weight = branches.weight?.(path.slice(0, depth + 1), depth) ?? 1;
    node.children.set(key, { child, paused: false, auto: true, weight });
    if (child.kind === 'leaf') child.items.push(item);
    else node = child;
  }
  normalize(root);
  return 'ok';
}

/** Every node of the tree (depth first, key order) with its key path. */
export function modelNodes<E>(root: ModelNode<E>): { node: ModelNode<E>; path: Key[] }[] {
  const out: { node: ModelNode<E>; path: Key[] }[] = [];
  const walk = (node: ModelNode<E>, path: Key[]): void => {
    out.push({ node, path });
    for (const [key, slot] of node.children) if (slot.child.kind === 'node') walk(slot.child, [...path, key]);
  };
  walk(root, []);
  return out;
}

/** Every leaf of the tree (depth first, key order) with its key path. */
export function modelLeaves<E>(root: ModelNode<E>): { leaf: ModelLeaf<E>; path: Key[] }[] {
  const out: { leaf: ModelLeaf<E>; path: Key[] }[] = [];
  const walk = (node: ModelNode<E>, path: Key[]): void => {
    for (const [key, slot] of node.children) {
      if (slot.child.kind === 'node') walk(slot.child, [...path, key]);
      else out.push({ leaf: slot.child, path: [...path, key] });
    }
  };
  walk(root, []);
  return out;
}

/**
 * Checks the rotation bound on observed dispatches, independently of the model's rotation lists: between two
 * consecutive serves of a child that stayed backlogged (ready and unpaused: with caps, below its cap) the whole
 * time, every sibling is served at most its weight times (once, without weights; the largest weight it had
 * meanwhile, if its weight changed). Backlog states are sampled with `observe` after every step; `served` is called for each
 * node that handed out an event (its key path, and the child key it took it from).
 */
export class RotationBound {
  /** Whether the child at `path` (its last key) is backlogged in the model now: present, unpaused and ready. */
  static backlogged<E>(root: ModelNode<E>, path: readonly Key[]): boolean {
    let node: ModelTree<E> = root;
    for (let i = 0; i < path.length; i++) {
      if (node.kind !== 'node') return false;
      const slot = node.children.get(path[i] as Key);
      if (slot === undefined || slot.paused) return false;
      node = slot.child;
    }
    return isReady(node);
  }

  /** node path -> backlogged child -> sibling -> serves since the child's last serve, and the sibling's weight. */
  #waiting = new Map<string, Map<Key, Map<Key, { n: number; limit: number }>>>();

  /**
   * A node served `child`; `stillBacklogged` tells whether the child is still ready and unpaused afterwards (if
   * not, it stops waiting until `observe` sees it backlogged again).
   */
  served(nodePath: readonly Key[], child: Key, stillBacklogged: boolean, weight = 1): void {
    const waiting = this.#waiting.get(nodePath.join('/'));
    if (waiting === undefined) return;
    for (const [other, counts] of waiting) {
      if (other === child) continue;
      const count = counts.get(child) ?? { n: 0, limit: weight };
      count.n++;
      count.limit = Math.max(count.limit, weight);
      counts.set(child, count);
      if (count.n > count.limit) {
        throw new Error(
          `rotation bound: at node [${nodePath.join('/')}], child ${JSON.stringify(child)} (weight ${count.limit}) was ` +
            `served ${count.n} times while sibling ${JSON.stringify(other)} stayed backlogged and was not served`,
        );
      }
    }
    if (stillBacklogged) waiting.get(child)?.clear();
    else waiting.delete(child);
  }

  /** The child's weight was set: its turns start afresh, so the serves counted against it so far are forgotten. */
  reweighted(nodePath: readonly Key[], child: Key): void {
    for (const counts of this.#waiting.get(nodePath.join('/'))?.values() ?? []) counts.delete(child);
  }

  /** Records which children are backlogged now; a child that is not loses its count. */
  observe<E>(root: ModelNode<E>): void {
    const next = new Map<string, Map<Key, Map<Key, { n: number; limit: number }>>>();
    for (const { node, path } of modelNodes(root)) {
      const id = path.join('/');
      const before = this.#waiting.get(id);
      const now = new Map<Key, Map<Key, { n: number; limit: number }>>();
      for (const [key, slot] of node.children) {
        if (!slot.paused && isReady(slot.child)) now.set(key, before?.get(key) ?? new Map());
      }
      next.set(id, now);
    }
    this.#waiting = next;
  }
}

/** A level of a priority node in the model: any model tree, in the node's order. */
export interface ModelLevel<E> {
  readonly key: Key;
  readonly tree: ModelTree<E>;
  paused: boolean;
  weight: number;
}

/**
 * A priority node (docs/semantics.md, priority levels): its levels in order, each any model tree. Readiness is
 * recomputed from scratch at every pick. Strict (`every` Infinity): the first ready level is served. With `every`
 * n: after n - 1 dispatches in a row from the first ready level while another level was ready, the next dispatch
 * is a guarded turn: it goes to the ready levels below the first, cyclically after the level that took the
 * latest guarded turn, which keeps it while it has turns left of its weight.
 */
export class ModelPriority<E> {
  cap = Infinity;
  #streak = 0;
  #cursor: Key | undefined = undefined;
  #cursorTurns = 0;

  constructor(
    readonly levels: ModelLevel<E>[],
    public every = Infinity,
  ) {}

  /** The indices of the levels that could give an event now, in order. */
  readyLevels(): number[] {
    const out: number[] = [];
    this.levels.forEach((level, i) => {
      if (!level.paused && isReady(level.tree)) out.push(i);
    });
    return out;
  }

  active(): number {
    return this.levels.reduce((n, level) => n + activeIn(level.tree), 0);
  }

  ready(): boolean {
    return this.active() < this.cap && this.readyLevels().length > 0;
  }

  setEvery(every: number): void {
    this.every = every;
    this.#streak = 0;
  }

  /** The level deleted: the guarded turns start afresh from the top. */
  forgetCursor(): void {
    this.#cursor = undefined;
  }

  /** Takes the next event; `count` counts it as running at its leaf. */
  take(count: boolean): { event: E; level: number; leaf: ModelLeaf<E> } | undefined {
    if (!this.ready()) return undefined;
    const ready = this.readyLevels();
    let chosen: number;
    if (ready.length === 1) {
      this.#streak = 0;
      chosen = ready[0] as number;
    } else if (this.#streak + 1 < this.every) {
      this.#streak++;
      chosen = ready[0] as number;
    } else {
      this.#streak = 0;
      const lower = ready.slice(1);
      const at = this.levels.findIndex((level) => level.key === this.#cursor);
      const current = this.levels[at];
      if (current !== undefined && lower.includes(at) && this.#cursorTurns < current.weight) chosen = at;
      else {
        chosen = lower.find((i) => i > at) ?? (lower[0] as number);
        this.#cursor = (this.levels[chosen] as ModelLevel<E>).key;
        this.#cursorTurns = 0;
      }
      this.#cursorTurns++;
    }
    const tree = (this.levels[chosen] as ModelLevel<E>).tree;
    if (tree.kind === 'leaf') {
      if (count) tree.running++;
      return { event: tree.items.shift() as E, level: chosen, leaf: tree };
    }
    const taken = takeNext(tree, count);
    if (taken === undefined) throw new Error('model: a ready level gave nothing');
    normalize(tree);
    return { event: taken.event, level: chosen, leaf: taken.leaf };
  }
}
