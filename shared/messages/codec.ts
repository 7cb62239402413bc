/**
 * Shared machinery of the wire codecs: the version check, and turning a schema
 * failure into a `DecodeError` whose message names the field (`records[3].eventTime: must be a
 * whole number; got 1.5`).
 */
import type { ValidateFunction } from 'ajv';
import { DecodeError } from '../core/errors';
import { describeAjvError, primaryError } from '../pipeline/ajv-errors';
import { type InputLimits, parseJsonGuarded } from './guards';

/** The wire version this release writes and reads. Bump on incompatible change; decoders reject newer. */
export const WIRE_VERSION = 1;

/** Throws `DecodeError('unsupported_version')` unless `value.v` is this release's wire version. */
export function assertVersion(value: unknown, what: string): asserts value is { v: number } & Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`invalid_${what}`, `${what.replace(/_/g, ' ')} must be a JSON object`);
  }
  const v = (value as Record<string, unknown>).v;
  if (v === WIRE_VERSION) return;
  if (typeof v === 'number' && Number.isInteger(v) && v > WIRE_VERSION) {
    throw new DecodeError(
      'unsupported_version',
      `wire version ${v} is newer than this stage understands (${WIRE_VERSION}); deploy the same release to every stage`,
    );
  }
  throw new DecodeError('unsupported_version', `v must be ${WIRE_VERSION}; got ${JSON.stringify(v) ?? 'nothing'}`);
}

/** Runs a compiled validator; a failure is `DecodeError('invalid_<what>')` naming the field and the rule. */
export function assertValid<T>(validate: ValidateFunction, value: unknown, what: string): asserts value is T {
  if (validate(value)) return;
  const v = describeAjvError(primaryError(validate.errors ?? []));
  throw new DecodeError(`invalid_${what}`, `${v.path || what.replace(/_/g, ' ')}: ${v.rule}`);
}

/** Parse (guarded), check version, validate. */
export function decodeWire<T>(input: string | Uint8Array, validate: ValidateFunction, what: string, limits?: Partial<InputLimits>): T {
  const value = parseJsonGuarded(input, limits);
  assertVersion(value, what);
  assertValid<T>(validate, value, what);
  return value;
}
