import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * One event of the service (the Service contract): an action for one policy of one VM of one compute host.
 * Other fields are kept as they are and handed to the handler.
 */
export interface FairEvent {
  readonly id: string;
  readonly host: string;
  readonly vm: string;
  readonly policy: string;
  readonly action: string;
  readonly payload?: unknown;
}

/** A VM's or a whole host's state (the seed's mapping). DOWN and MAINTENANCE pause it. */
export type AvailabilityState = 'ACTIVE' | 'DOWN' | 'MAINTENANCE';

/**
 * A change of availability: `{ "<host>": { "<vm>": state } }`, or `{ "<host>": state }` for the whole host.
 * Hosts and VMs not named keep their state.
 */
export type AvailabilityPatch = Readonly<
  Record<string, AvailabilityState | Readonly<Record<string, AvailabilityState>>>
>;

/** Host weights: `{ "<host>": turns }`, a positive integer each (1, the default, undoes an earlier weight). */
export type WeightsPatch = Readonly<Record<string, number>>;

/** The largest weight of a host: turns in a row at the front of the rotation. */
export const MAX_WEIGHT = 1000;

/** Longest host, VM, policy and action name: queue names are built from host and VM names. */
export const MAX_KEY_LENGTH = 100;

/**
 * Deepest nesting of arrays and objects in an event's fields (`payload` and any other): JSON.parse takes any depth,
 * but JSON.stringify recurses, and a payload some thousands deep made publishing fail half-way through a batch.
 */
export const MAX_DEPTH = 32;

const key = { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH } as const;
const state = { enum: ['ACTIVE', 'DOWN', 'MAINTENANCE'] } as const;

/** JSON Schema of one event, shared by the AMQP consumer and the REST endpoint. */
export const eventSchema = {
  type: 'object',
  required: ['id', 'host', 'vm', 'policy', 'action'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    host: key,
    vm: key,
    policy: key,
    action: key,
    payload: {},
  },
} as const;

/** JSON Schema of an availability change. */
export const availabilitySchema = {
  type: 'object',
  propertyNames: key,
  additionalProperties: {
    anyOf: [state, { type: 'object', propertyNames: key, additionalProperties: state }],
  },
} as const;

/** JSON Schema of a change of host weights. */
export const weightsSchema = {
  type: 'object',
  minProperties: 1,
  propertyNames: key,
  additionalProperties: { type: 'integer', minimum: 1, maximum: MAX_WEIGHT },
} as const;

/** Bad input: `field` is where (`host`, `[3].vm`, `(body)` for the whole value), `reason` what is wrong. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const ajv = new Ajv({ allErrors: false, strict: true });
let validators:
  | { event: ValidateFunction; events: ValidateFunction; availability: ValidateFunction; weights: ValidateFunction }
  | undefined;

function compiled() {
  validators ??= {
    event: ajv.compile(eventSchema),
    events: ajv.compile({ type: 'array', minItems: 1, items: eventSchema }),
    availability: ajv.compile(availabilitySchema),
    weights: ajv.compile(weightsSchema),
  };
  return validators;
}

/** Checks one event; throws an {@link InvalidInputError} naming the failing field. */
export function checkEvent(value: unknown): FairEvent {
  const validate = compiled().event;
  if (!validate(value)) throw toInvalidInput(validate.errors);
  checkDepth(value as FairEvent, '');
  return value as FairEvent;
}

/** Checks one event or a non-empty array of them (a REST body); always returns an array. */
export function checkEvents(value: unknown): FairEvent[] {
  if (!Array.isArray(value)) return [checkEvent(value)];
  const validate = compiled().events;
  if (!validate(value)) throw toInvalidInput(validate.errors);
  value.forEach((event: FairEvent, index) => checkDepth(event, `[${index}].`));
  return value as FairEvent[];
}

/** Throws when a field of the event nests deeper than {@link MAX_DEPTH}; iterative, so any depth is safe to look at. */
function checkDepth(event: FairEvent, prefix: string): void {
  for (const field in event) {
    const root = (event as unknown as Record<string, unknown>)[field];
    if (root === null || typeof root !== 'object') continue; // most fields: nothing to walk, nothing allocated
    const stack: [unknown, number][] = [[root, 1]];
    while (stack.length > 0) {
      const [value, depth] = stack.pop() as [unknown, number];
      if (value === null || typeof value !== 'object') continue;
      if (depth > MAX_DEPTH)
        throw new InvalidInputError(`${prefix}${field}`, `must not nest deeper than ${MAX_DEPTH} levels`);
      for (const child of Object.values(value)) stack.push([child, depth + 1]);
    }
  }
}

/** Checks an availability change; throws an {@link InvalidInputError} naming the failing host or VM. */
export function checkAvailability(value: unknown): AvailabilityPatch {
  const validate = compiled().availability;
  if (!validate(value)) throw toInvalidInput(validate.errors);
  return value as AvailabilityPatch;
}

/** Checks a change of host weights; throws an {@link InvalidInputError} naming the failing host. */
export function checkWeights(value: unknown): WeightsPatch {
  const validate = compiled().weights;
  if (!validate(value)) throw toInvalidInput(validate.errors);
  return value as WeightsPatch;
}

/** Parses a message body as JSON and checks it as an event. */
export function parseEvent(content: Buffer | string): FairEvent {
  let value: unknown;
  try {
    value = JSON.parse(content.toString());
  } catch (error) {
    throw new InvalidInputError('(body)', `malformed JSON: ${(error as Error).message}`);
  }
  return checkEvent(value);
}

function toInvalidInput(errors: ErrorObject[] | null | undefined): InvalidInputError {
  if (errors === null || errors === undefined || errors.length === 0)
    return new InvalidInputError('(body)', 'is invalid');
  // With anyOf, ajv lists each branch's errors and then its own: the deepest one says most.
  let error = errors[0] as ErrorObject;
  for (const candidate of errors) if (candidate.instancePath.length > error.instancePath.length) error = candidate;
  const last = errors[errors.length - 1] as ErrorObject;
  if (last.keyword === 'anyOf' && error.instancePath === last.instancePath) error = last;

  let path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
  let reason = error.message ?? 'is invalid';
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (error.keyword === 'required') {
    path += `.${(error.params as { missingProperty: string }).missingProperty}`;
    reason = 'is required';
  } else if (propertyName !== undefined) {
    path += `.${JSON.stringify(propertyName)}`;
    reason = `as a name ${reason}`;
  } else if (error.keyword === 'anyOf') {
    reason = 'must be "ACTIVE", "DOWN", "MAINTENANCE" or an object of those by VM';
  } else if (error.keyword === 'enum') {
    reason = 'must be "ACTIVE", "DOWN" or "MAINTENANCE"';
  } else if (error.keyword === 'minItems') {
    reason = 'must hold at least one event';
  }
  path = path.replace(/^\./, '');
  return new InvalidInputError(path === '' ? '(body)' : path, reason);
}
