// Reactive layer: round-robin nodes over Observables, and the fair, back-pressured operator.
export {
  roundRobin,
  RoundRobin,
  type AddOptions,
  type RoundRobinChildren,
  type RoundRobinOptions,
} from './rx/roundRobin.js';
export { fairMergeMap, type FairMergeMapOptions } from './rx/fairMergeMap.js';
export {
  FairStats,
  type FairStatsOptions,
  type FairSnapshot,
  type FairKeyStats,
  type FairNodeStats,
} from './rx/FairStats.js';
export type { Dropped, LeafBound } from './rx/LeafBound.js';
export { LeafSubject } from './rx/LeafSubject.js';

// Synchronous core, usable without RxJS (the seed's Version 1).
export { FifoQueue } from './core/FifoQueue.js';
export {
  BoundedFifoQueue,
  type BoundedFifoQueueOptions,
  type DropListener,
  type DropReason,
  type OverflowPolicy,
} from './core/BoundedFifoQueue.js';
export { OverflowError } from './core/OverflowError.js';
export {
  RoundRobinQueue,
  type QueueChildren,
  type ChildOptions,
  type PerKey,
  type RoundRobinQueueOptions,
} from './core/RoundRobinQueue.js';
export { QueueNode } from './core/QueueNode.js';
export { RingBuffer } from './core/RingBuffer.js';
export { WaitSketch, type WaitPercentiles } from './core/WaitSketch.js';
export { jainIndex } from './core/jainIndex.js';
export { mulberry32 } from './core/mulberry32.js';
