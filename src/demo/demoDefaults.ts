/** What a demo run simulates: the shape of the cloud, the workload and the dispatcher's concurrency. */
export interface DemoSettings {
  /** Compute hosts; host 0 is the noisy one. */
  readonly hosts: number;
  /** VMs per host. */
  readonly vms: number;
  /** Policies (leaf queues) per VM. */
  readonly policies: number;
  /** Events in the whole run. */
  readonly events: number;
  /** The most actions running at once. */
  readonly concurrency: number;
  /** Share of the events that go to host 0 in a burst, in [0, 1). */
  readonly skew: number;
  /** Seed of the pseudo-random workload. */
  readonly seed: number;
}

/**
 * The defaults of `rxjs-fair demo`: big enough to be convincing, small enough to run in well under a second.
 * Kept free of imports so the CLI can show them in `--help` without loading RxJS.
 */
export const demoDefaults: DemoSettings = {
  hosts: 8,
  vms: 4,
  policies: 3,
  events: 20_000,
  concurrency: 16,
  skew: 0.9,
  seed: 1,
};

/** Upper bounds the CLI enforces, so a typo cannot ask for more memory than a laptop has. */
export const demoLimits = {
  /**
   * Events in one run. The FIFO run uses RxJS's `mergeMap`, whose backlog is an array it `shift()`s: its cost grows
   * with the square of the backlog (200,000 events take seconds, a million take minutes).
   */
  events: 200_000,
  /** Leaf queues: hosts × VMs × policies (each leaf is a Subject in both runs). */
  leaves: 100_000,
} as const;
