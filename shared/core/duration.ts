/**
 * Durations at the public boundary: `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'2d'`, compound forms
 * such as `'1h30m'`, a whole number of milliseconds, or `{minutes: 5}`. Internally every duration
 * is a whole number of milliseconds (`…Ms`).
 */
import { SpecError } from './errors';
import type { DurationInput } from './spec';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

const FIELD_MS: Record<string, number> = {
  days: 86_400_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
  millis: 1,
};

const RULE =
  "a duration is a whole number of milliseconds ≥ 0, a string such as '250ms', '30s', '5m', '1h', '2d' or '1h30m', or an object such as {minutes: 5}";

/**
 * Parses a duration into whole milliseconds. `path` names the field in error messages
 * (e.g. `aggregations[0].window.size`).
 *
 * @throws SpecError when the input is not a duration, is negative, or is not a whole number of ms.
 */
export function parseDuration(input: DurationInput, path: string): number {
  let ms: number;
  if (typeof input === 'number') {
    ms = input;
  } else if (typeof input === 'string') {
    ms = parseDurationString(input.trim(), path);
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    ms = 0;
    const fields = Object.entries(input);
    if (fields.length === 0) throw new SpecError(path, `${RULE}; got an empty object`);
    for (const [field, value] of fields) {
      const unit = FIELD_MS[field];
      if (unit === undefined) {
        throw new SpecError(path, `${RULE}; unknown field '${field}' (use days, hours, minutes, seconds, millis)`);
      }
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new SpecError(`${path}.${field}`, `must be a finite number ≥ 0; got ${JSON.stringify(value)}`);
      }
      ms += value * unit;
    }
  } else {
    throw new SpecError(path, `${RULE}; got ${JSON.stringify(input)}`);
  }
  if (!Number.isFinite(ms) || ms < 0) throw new SpecError(path, `${RULE}; got ${JSON.stringify(input)}`);
  if (!Number.isInteger(ms)) {
    throw new SpecError(path, `a duration must be a whole number of milliseconds; ${JSON.stringify(input)} is ${ms} ms`);
  }
  if (!Number.isSafeInteger(ms)) throw new SpecError(path, `a duration must be below 2^53 ms; got ${JSON.stringify(input)}`);
  return ms;
}

/** Like {@link parseDuration} but also requires the duration to be strictly positive. */
export function parsePositiveDuration(input: DurationInput, path: string, what: string): number {
  const ms = parseDuration(input, path);
  if (ms <= 0) throw new SpecError(path, `${what} must be > 0; got ${JSON.stringify(input)}`);
  return ms;
}

function parseDurationString(s: string, path: string): number {
  if (s === '') throw new SpecError(path, `${RULE}; got an empty string`);
  if (/^\d+$/.test(s)) return Number(s);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = PART.exec(s)) !== null) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (consumed !== s.length) throw new SpecError(path, `${RULE}; got ${JSON.stringify(s)}`);
  return Math.round(total * 1e6) / 1e6;
}

/** Formats milliseconds compactly (`90000` → `'1m30s'`), for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return sign + out;
}
