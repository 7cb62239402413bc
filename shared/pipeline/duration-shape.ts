/**
 * A structural check of `DurationInput`. The core's `parseDuration` is the authority on meaning
 * (definePipeline compiles every aggregation with it); this only rejects shapes that can never be a
 * duration, so the definition fails at load with the field's path.
 */
import type { DurationInput } from '../core/spec';

const DURATION_STRING = /^\d+(ms|s|m|h|d)$/;
const DURATION_KEYS = new Set(['days', 'hours', 'minutes', 'seconds', 'millis']);

/** True for `'30s'`-style strings, whole non-negative milliseconds, and `{minutes: 5}`-style objects. */
export function isDurationInput(x: unknown): x is DurationInput {
  if (typeof x === 'string') return DURATION_STRING.test(x);
  if (typeof x === 'number') return Number.isSafeInteger(x) && x >= 0;
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const entries = Object.entries(x);
  return (
    entries.length > 0 &&
    entries.every(([k, v]) => DURATION_KEYS.has(k) && typeof v === 'number' && Number.isFinite(v) && v >= 0)
  );
}
