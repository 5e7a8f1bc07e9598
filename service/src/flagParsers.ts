/**
 * Parsers for command-line flag values, shared by every `rxjs-fair` command. Commander prefixes their message with
 * the flag and the value: "error: option '--skew <0..1>' argument '2' is invalid. Expected a number from 0 up to,
 * not including, 1."
 */
import { InvalidArgumentError } from 'commander';

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
