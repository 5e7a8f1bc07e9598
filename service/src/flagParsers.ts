/**
 * Parsers for command-line flag values, shared by the `rxjs-fair-service` commands. Commander prefixes their message with
 * the flag and the value: "error: option '--skew <0..1>' argument '2' is invalid. Expected a number from 0 up to,
 * not including, 1."
 */
import { InvalidArgumentError } from 'commander';
import type { RateSpec } from './Scheduler.js';

const digits = /^\s*\d+\s*$/;

/** A parser for a flag that takes an integer from 1 up to `max`. */
export function positiveInteger(max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!digits.test(value) || number < 1) throw new InvalidArgumentError('Expected a positive integer.');
    if (number > max) throw new InvalidArgumentError(`Expected at most ${max}.`);
    return number;
  };
}

/** A parser for a flag that takes an integer from `min` up. */
export function integerFrom(min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!digits.test(value) || number < min) throw new InvalidArgumentError(`Expected an integer from ${min} up.`);
    return number;
  };
}

/** A parser for a flag that takes an integer from 0 up to `max`. */
export function nonNegativeInteger(max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!digits.test(value)) throw new InvalidArgumentError('Expected an integer from 0 up.');
    if (number > max) throw new InvalidArgumentError(`Expected at most ${max}.`);
    return number;
  };
}

/** A share of the events, in [0, 1). */
export function skewShare(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !(number >= 0 && number < 1)) {
    throw new InvalidArgumentError('Expected a number from 0 up to, not including, 1.');
  }
  return number;
}

/** A seed for the pseudo-random generator: any 32-bit unsigned integer. */
export function seedNumber(value: string): number {
  const number = Number(value);
  if (!digits.test(value) || number > 0xffffffff)
    throw new InvalidArgumentError('Expected an integer from 0 to 4294967295.');
  return number;
}

/** A TCP port (0: any free port). */
export function portNumber(value: string): number {
  const number = Number(value);
  if (!digits.test(value) || number > 65535) throw new InvalidArgumentError('Expected a port number from 0 to 65535.');
  return number;
}

/** `--caps <host>,<vm>`: most actions at once per host and per VM; either may be left out (`2`, `,1`). */
export function capsPair(value: string): { host?: number; vm?: number } {
  const parts = value.split(',').map((part) => part.trim());
  const limit = (part: string | undefined): number | undefined => {
    if (part === undefined || part === '') return undefined;
    if (!digits.test(part) || Number(part) < 1)
      throw new InvalidArgumentError('Expected <host>,<vm>: positive integers, e.g. 2,1.');
    return Number(part);
  };
  const [host, vm] = [limit(parts[0]), limit(parts[1])];
  if (parts.length > 2 || (host === undefined && vm === undefined))
    throw new InvalidArgumentError('Expected <host>,<vm>: positive integers, e.g. 2,1.');
  return { ...(host === undefined ? {} : { host }), ...(vm === undefined ? {} : { vm }) };
}

/**
 * `--rate <host>,<vm>`: at most n dispatches per interval per host and per VM, each `<n>/<interval>` with the interval
 * in ms, s or m (`5/1s`, `100/1m`, `1/500ms`); either may be left out (`5/1s`, `,1/1s`).
 */
export function ratePair(value: string): { host?: RateSpec; vm?: RateSpec } {
  const usage = 'Expected <host>,<vm>: each <n>/<interval> with the interval in ms, s or m, e.g. 5/1s,1/1s.';
  const parts = value.split(',').map((part) => part.trim());
  const rate = (part: string | undefined): RateSpec | undefined => {
    if (part === undefined || part === '') return undefined;
    const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(part);
    const limit = Number(match?.[1]);
    const interval = Number(match?.[2]) * { ms: 1, s: 1000, m: 60_000 }[(match?.[3] ?? 'ms') as 'ms' | 's' | 'm'];
    if (match === null || limit < 1 || !Number.isInteger(interval) || interval < 1)
      throw new InvalidArgumentError(usage);
    return { limit, interval };
  };
  const [host, vm] = [rate(parts[0]), rate(parts[1])];
  if (parts.length > 2 || (host === undefined && vm === undefined)) throw new InvalidArgumentError(usage);
  return { ...(host === undefined ? {} : { host }), ...(vm === undefined ? {} : { vm }) };
}

/** `--cost <action>=<n>,...`: slots by action; repeated flags add up. */
export function actionCosts(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const costs = { ...previous };
  for (const pair of value.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(pair);
    if (match === null || Number(match[2]) < 1)
      throw new InvalidArgumentError('Expected <action>=<slots>, slots a positive integer, e.g. migrate=4.');
    costs[match[1] as string] = Number(match[2]);
  }
  return costs;
}

/**
 * `--priority <actions>`: one priority level, its actions separated by commas; each flag repeated adds the next
 * level down. An action belongs to one level.
 */
export function priorityLevel(value: string, previous: string[][] = []): string[][] {
  const actions = nameList(value);
  const twice = actions.find((action, i) => actions.indexOf(action) !== i || previous.some((l) => l.includes(action)));
  if (twice !== undefined) throw new InvalidArgumentError(`Expected each action in one level, got "${twice}" twice.`);
  return [...previous, actions];
}

/** A comma-separated list of names; repeated flags add up. */
export function nameList(value: string, previous: string[] = []): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new InvalidArgumentError('Expected names separated by commas.');
  return [...previous, ...names];
}
