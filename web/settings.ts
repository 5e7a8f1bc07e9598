/**
 * What one run of the page simulates: the sliders' values. The sliders themselves (ranges, defaults, labels) are
 * in index.html, one `<input type="range" name="...">` per field, so the page lays out before any script runs.
 */
export interface PageSettings {
  /** Compute hosts; compute0 is the noisy one. */
  readonly hosts: number;
  /** VMs per host. */
  readonly vms: number;
  /** Share of the events that go to compute0 in a burst, in [0, 1). */
  readonly skew: number;
  /** The most actions running at once, in each lane. */
  readonly concurrency: number;
  /** Events in the run. */
  readonly events: number;
}

/** The parts of the workload the page does not let you change. */
export const fixedSettings = {
  /** Policies (leaf queues) per VM, as in `rxjs-fair demo`. */
  policies: 3,
  /** Seed of the pseudo-random workload: the same sliders give the same run, every time. */
  seed: 1,
} as const;

const grouped = (value: number): string => value.toLocaleString('en-US');

/** How each slider's value reads, beside its label and for screen readers (`aria-valuetext`). */
export const formatSetting: Readonly<Record<keyof PageSettings, (value: number) => string>> = {
  hosts: grouped,
  vms: grouped,
  skew: (value) => `${Math.round(value * 100)} %`,
  concurrency: grouped,
  events: grouped,
};

/** Whether `name` is one of the settings (a slider's `name`). */
export function isSettingName(name: string): name is keyof PageSettings {
  return Object.hasOwn(formatSetting, name);
}
