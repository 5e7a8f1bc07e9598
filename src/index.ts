// Reactive layer: round-robin nodes over Observables, and the fair, back-pressured operator.
export {
  roundRobin,
  RoundRobin,
  type AddOptions,
  type RoundRobinChildren,
  type RoundRobinOptions,
} from './rx/roundRobin.js';
export { priority, Priority, type PriorityOptions } from './rx/priority.js';
export { rateLimited, RateLimited, type RateLimitedAddOptions, type RateLimitedOptions } from './rx/rateLimited.js';
export { RateLimit, type RateLimitOptions } from './rx/RateLimit.js';
export { fairMergeMap, type FairMergeMapOptions } from './rx/fairMergeMap.js';
export { byPriority, type ByPriority, type ByPriorityOptions } from './rx/byPriority.js';
export { FairStats, type FairStatsOptions } from './rx/FairStats.js';
export type { FairSnapshot, FairKeyStats, FairNodeStats } from './rx/FairSnapshot.js';
export type { Dropped, LeafBound } from './rx/LeafBound.js';
export { LeafSubject } from './rx/LeafSubject.js';
export { QueueSource } from './rx/QueueSource.js';

// Synchronous core, usable without RxJS.
export { FifoQueue } from './core/FifoQueue.js';
export { BoundedFifoQueue } from './core/BoundedFifoQueue.js';
export type {
  BoundedFifoQueueOptions,
  DropListener,
  DropReason,
  OverflowPolicy,
} from './core/BoundedFifoQueueOptions.js';
export { OverflowError } from './core/OverflowError.js';
export { RoundRobinQueue } from './core/RoundRobinQueue.js';
export type { QueueChildren, ChildOptions, PerKey, RoundRobinQueueOptions } from './core/RoundRobinQueueOptions.js';
export { PriorityQueue } from './core/PriorityQueue.js';
export type { PriorityQueueOptions } from './core/PriorityQueueOptions.js';
export { QueueNode } from './core/QueueNode.js';
export { RingBuffer } from './core/RingBuffer.js';
export { WaitSketch, type WaitPercentiles } from './core/WaitSketch.js';
export { jainIndex } from './core/jainIndex.js';
export { mulberry32 } from './core/mulberry32.js';
