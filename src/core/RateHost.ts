/**
 * @internal Whom the token buckets of a tree tell when a throttled node got its next token, and where their teardown
 * goes: the dispatcher of the operator subscription that pulls from the tree.
 */
export interface RateHost {
  /** A throttled node got its next token and rejoined its parent's rotation: pull again. */
  arrived(): void;
  /** Takes the teardown that cancels the pending wake-ups (an RxJS `Subscriber` is one). */
  readonly subscriber: { add(teardown: () => void): void };
}
