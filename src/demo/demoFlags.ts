/**
 * The flags of `rxjs-fair demo` that set a {@link DemoSettings} field, with the parsers of their values.
 * Free of anything but the defaults, so the CLI can validate and print help without loading RxJS.
 */
import { demoLimits, type DemoSettings } from './demoDefaults.js';

/** A flag value that does not parse. Its message says what was expected: "Expected a positive integer." */
export class InvalidFlagValue extends Error {
  override readonly name = 'InvalidFlagValue';
}

/** One `--name <value>` flag of the demo. */
export interface DemoFlag {
  /** The setting it sets, also the flag's name: `--hosts`. */
  readonly name: keyof DemoSettings;
  /** How help shows its value: `<n>`. */
  readonly value: string;
  readonly description: string;
  /** @throws {InvalidFlagValue} When the text is not a valid value. */
  readonly parse: (text: string) => number;
}

const digits = /^\s*\d+\s*$/;

/** A parser for a flag that takes an integer from 1 up to `max`. */
export function positiveInteger(max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const number = Number(text);
    if (!digits.test(text) || number < 1) throw new InvalidFlagValue('Expected a positive integer.');
    if (number > max) throw new InvalidFlagValue(`Expected at most ${max}.`);
    return number;
  };
}

/** A share of the events, in [0, 1). */
export function skewShare(text: string): number {
  const number = Number(text);
  if (text.trim() === '' || !(number >= 0 && number < 1)) {
    throw new InvalidFlagValue('Expected a number from 0 up to, not including, 1.');
  }
  return number;
}

/** A seed for the pseudo-random generator: any 32-bit unsigned integer. */
export function seedNumber(text: string): number {
  const number = Number(text);
  if (!digits.test(text) || number > 0xffffffff)
    throw new InvalidFlagValue('Expected an integer from 0 to 4294967295.');
  return number;
}

/** In the order help lists them; each defaults to `demoDefaults[name]`. */
export const demoFlags: readonly DemoFlag[] = [
  { name: 'hosts', value: '<n>', description: 'compute hosts (host 0 is the noisy one)', parse: positiveInteger() },
  { name: 'vms', value: '<n>', description: 'VMs per host', parse: positiveInteger() },
  { name: 'policies', value: '<n>', description: 'policies (queues) per VM', parse: positiveInteger() },
  {
    name: 'events',
    value: '<n>',
    description: `events in the run, at most ${demoLimits.events}`,
    parse: positiveInteger(demoLimits.events),
  },
  { name: 'concurrency', value: '<n>', description: 'most actions running at once', parse: positiveInteger() },
  {
    name: 'skew',
    value: '<0..1>',
    description: 'share of the events that go to the noisy host 0, in a burst',
    parse: skewShare,
  },
  { name: 'seed', value: '<n>', description: 'seed of the pseudo-random workload', parse: seedNumber },
];
