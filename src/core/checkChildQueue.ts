import { describeValue } from './checks.js';
import { QueueNode } from './QueueNode.js';

/**
 * @internal Throws unless `child` may join `parent` at `key`: a queue of this copy of the library, without a parent,
 * not `parent` nor one of its ancestors. `taken` tells whether the key is in use already.
 */
export function checkChildQueue<T>(
  parent: QueueNode<T>,
  key: unknown,
  child: unknown,
  taken: boolean,
): asserts child is QueueNode<T> {
  if (!(child instanceof QueueNode)) {
    // A queue of the other build (ESM or CJS) of this library looks right but shares no internals with this one.
    if (child !== null && typeof child === 'object' && '_parent' in child && '_flags' in child) {
      throw new TypeError(
        `The queue given at key ${describeValue(key)} was built by another copy of rxjs-fair (its ESM and CJS builds, or two installs): build the whole tree with one copy`,
      );
    }
    throw new TypeError(`Expected a queue at key ${describeValue(key)}, got ${describeValue(child)}`);
  }
  if (taken) throw new Error(`Key ${describeValue(key)} is already in this node`);
  if (child._parent !== null) throw new Error(`The queue given at key ${describeValue(key)} already has a parent`);
  for (let node: QueueNode<T> | null = parent; node !== null; node = node._parent) {
    if (node === child) throw new Error(`The node given at key ${describeValue(key)} would contain itself`);
  }
}
