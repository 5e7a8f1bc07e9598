// Case (4): the floor. A hand-written nested round-robin in plain JavaScript, no RxJS, no size bookkeeping, no
// pause/delete: what the job costs when nothing else is asked of the code.
//
// - A leaf is a ring buffer (power-of-two array, head index, cleared slots).
// - A node keeps a rotation of its non-empty children, itself a ring buffer of children. A pick takes the front
//   child, asks it for one event, and puts it back at the end if it still holds events. A leaf (or node) that
//   goes from empty to non-empty joins the end of its parent's rotation, and so on up: O(depth) per event.
// - The dispatcher picks on completion: at most `concurrency` workers active; when one settles, the next event
//   is picked.

class Ring {
  constructor() {
    this.slots = [undefined, undefined, undefined, undefined];
    this.mask = 3;
    this.head = 0;
    this.length = 0;
  }

  push(x) {
    if (this.length > this.mask) this.grow();
    this.slots[(this.head + this.length) & this.mask] = x;
    this.length++;
  }

  shift() {
    const slots = this.slots;
    const x = slots[this.head];
    slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return x;
  }

  grow() {
    const old = this.slots;
    const n = old.length;
    const slots = new Array(n * 2).fill(undefined);
    for (let i = 0; i < n; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = n * 2 - 1;
    this.head = 0;
  }
}

export class FloorLeaf {
  constructor(parent) {
    this.parent = parent;
    this.items = new Ring();
  }

  get nonEmpty() {
    return this.items.length > 0;
  }

  push(e) {
    this.items.push(e);
    if (this.items.length === 1 && this.parent !== null) this.parent.activate(this);
  }

  take() {
    return this.items.shift();
  }
}

export class FloorNode {
  constructor(parent) {
    this.parent = parent;
    this.rotation = new Ring();
  }

  get nonEmpty() {
    return this.rotation.length > 0;
  }

  /** A child went from empty to non-empty: it joins the end of the rotation. */
  activate(child) {
    this.rotation.push(child);
    if (this.rotation.length === 1 && this.parent !== null) this.parent.activate(this);
  }

  take() {
    const rotation = this.rotation;
    const child = rotation.shift();
    const e = child.take();
    if (child.nonEmpty) rotation.push(child);
    return e;
  }
}

/** A static tree of hosts x VMs x policies; `leaves[i]` is leaf i in the workload's leaf numbering. */
export function buildTree(shape) {
  const root = new FloorNode(null);
  const leaves = [];
  for (let h = 0; h < shape.hosts; h++) {
    const host = new FloorNode(root);
    for (let v = 0; v < shape.vms; v++) {
      const vm = new FloorNode(host);
      for (let p = 0; p < shape.policies; p++) leaves.push(new FloorLeaf(vm));
    }
  }
  return { root, leaves };
}

/**
 * A tree built on the fly from each event's key path through a Map per node (what `by` has to do), never
 * pruned. Case (4k): the floor for `fairMergeMap` with `by`.
 */
export class KeyedTree {
  constructor() {
    this.root = new FloorNode(null);
    this.hosts = new Map();
  }

  push(e) {
    this.pushAt(e.host, e.vm, e.policy, e);
  }

  /** Queues `e` under the key path (hostKey, vmKey, policyKey). */
  pushAt(hostKey, vmKey, policyKey, e) {
    let host = this.hosts.get(hostKey);
    if (host === undefined) {
      host = { node: new FloorNode(this.root), vms: new Map() };
      this.hosts.set(hostKey, host);
    }
    let vm = host.vms.get(vmKey);
    if (vm === undefined) {
      vm = { node: new FloorNode(host.node), leaves: new Map() };
      host.vms.set(vmKey, vm);
    }
    let leaf = vm.leaves.get(policyKey);
    if (leaf === undefined) {
      leaf = new FloorLeaf(vm.node);
      vm.leaves.set(policyKey, leaf);
    }
    leaf.push(e);
  }
}

/** Pick-on-completion with at most `concurrency` workers active. `done` resolves once ended and drained. */
export class FloorDispatcher {
  constructor(root, worker, concurrency) {
    this.root = root;
    this.worker = worker;
    this.concurrency = concurrency;
    this.active = 0;
    this.ended = false;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.settled = () => {
      this.active--;
      this.pump();
    };
  }

  /** Events were queued. */
  arrived() {
    if (this.active < this.concurrency) this.pump();
  }

  end() {
    this.ended = true;
    this.pump();
  }

  pump() {
    const root = this.root;
    while (this.active < this.concurrency && root.nonEmpty) {
      this.active++;
      this.worker(root.take()).then(this.settled);
    }
    if (this.ended && this.active === 0 && !root.nonEmpty) this.resolve();
  }
}
