/**
 * Every validation of the library, core and reactive layer alike: options fail at once, where they are given, with a
 * `TypeError` in p-queue's form "Expected `what` to be …, got …". `what` names the option as the caller wrote it,
 * backquoted (`` '`cap`' ``, `` '`caps` of key "a"' ``). Not for the hot path: the per-event checks (`by`'s key path,
 * `cost`'s answer) are written where they run, so that V8 keeps them inline.
 */

/** A value as it reads in an error message: strings quoted, arrays bracketed, anything else as `String` has it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // `String(Object.create(null))` throws
  }
}

/** Throws unless `options` is an object (`undefined` is for the caller to default). */
export function checkOptionsObject(options: unknown, what = 'an options object'): asserts options is object {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`Expected ${what}, got ${describeValue(options)}`);
}

/** Throws unless `value` is a function. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any callable passes; the caller knows its type
export function checkFunction(value: unknown, what: string): asserts value is Function {
  if (typeof value !== 'function')
    throw new TypeError(`Expected ${what} to be a function, got ${describeValue(value)}`);
}

/** Throws unless `value` is an array. */
export function checkArray(value: unknown, what: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`Expected ${what} to be an array, got ${describeValue(value)}`);
}

/** Throws unless `value` is a positive integer (a weight, a bound's size). */
export function checkPositiveInteger(value: unknown, what = '`weight`'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`Expected ${what} to be a positive integer, got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is an integer from 0 up (`spares`). */
export function checkNonNegativeInteger(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`Expected ${what} to be a non-negative integer, got ${describeValue(value)}`);
  }
}

/** Throws unless a limit (a cap, a concurrency, a depth) is a positive integer or Infinity. */
export function checkLimit(value: unknown, what = '`cap`'): asserts value is number {
  if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value >= 1))) {
    throw new TypeError(`Expected ${what} to be a positive integer or Infinity, got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is an array of limits (`pathCaps`, `fairMergeMap`'s `caps`); each is named by its index. */
export function checkLimits(value: unknown, what: string): asserts value is readonly number[] {
  checkArray(value, `\`${what}\``);
  value.forEach((limit, depth) => checkLimit(limit, `\`${what}[${depth}]\``));
}

/**
 * Checks a per-key option (`weights`, `caps`: a Map, or an object for string keys) against the children given,
 * each value with `check`, and returns it as a Map.
 */
export function checkPerKey<K, V>(
  given: ReadonlyMap<K, V> | Readonly<Record<string, V>> | undefined,
  keys: ReadonlySet<K>,
  name: string,
  check: (value: unknown, what: string) => void,
): Map<K, V> {
  if (given === undefined) return new Map();
  checkOptionsObject(given, `\`${name}\` to be a Map or an object`);
  const entries = (given instanceof Map ? [...given] : Object.entries(given)) as [K, unknown][];
  for (const [key, value] of entries) {
    if (!keys.has(key)) throw new Error(`Cannot set \`${name}\` of key ${describeValue(key)}: no such child`);
    check(value, `\`${name}\` of key ${describeValue(key)}`);
  }
  return new Map(entries as [K, V][]);
}

/**
 * Throws unless `value` is a `RateLimit` (of any copy of the library): recognised by its method rather than by
 * `instanceof`, so that checking one does not pull the rate limiting into a bundle that never builds one.
 */
export function checkRate(value: unknown, what: string): void {
  if (typeof (value as { _apply?: unknown } | null)?._apply !== 'function')
    throw new TypeError(`Expected ${what} to be a RateLimit, got ${describeValue(value)}`);
}
