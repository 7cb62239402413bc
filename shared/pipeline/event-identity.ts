/**
 * What a definition's `source.eventId` and `source.eventTime` mean, as pure functions ingest calls
 * per record. Keeping them next to the definition means the meaning of `{from: 'field', format:
 * 'epochS'}` is written once.
 *
 * Failures are `DecodeError`s with the dead-letter reasons `missing_event_id`, `missing_event_time`
 * and `invalid_event_time`. A fallback applies only when the value is *absent*; a value that is
 * present but malformed is an error, never silently replaced by publish time or a hash.
 */
import { parseDuration } from '../core/duration';
import { DecodeError } from '../core/errors';
import { sha256Hex } from '../core/hash';
import type { DurationInput } from '../core/spec';
import { isStorableTime } from '../core/time';
import { getPath } from './keys';
import type { EventIdSource, EventTimeSource, TimeFormat } from './types';

/** JSON with object keys sorted at every level: equal records give equal text (for content hashes). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The content-derived event id: hex SHA-256 of the record's canonical JSON. */
export function contentHashId(record: unknown): string {
  return sha256Hex(canonicalJson(record));
}

export interface EventIdInput {
  record: unknown;
  attributes: Readonly<Record<string, string>>;
  /** CDC source position, for `{from: 'cdcPosition'}`. */
  cdcPosition?: string;
}

const MAX_EVENT_ID_LENGTH = 512;

/** The event id of one record per the definition's `source.eventId`. */
export function extractEventId(source: EventIdSource, input: EventIdInput): string {
  let id: string | undefined;
  let where: string;
  switch (source.from) {
    case 'contentHash':
      return contentHashId(input.record);
    case 'cdcPosition':
      id = input.cdcPosition || undefined;
      where = 'the CDC source position';
      break;
    case 'attribute':
      id = Object.prototype.hasOwnProperty.call(input.attributes, source.name) ? input.attributes[source.name] || undefined : undefined;
      where = `attribute '${source.name}'`;
      break;
    case 'field': {
      const v = getPath(input.record, source.path);
      if (typeof v === 'string' && v !== '') id = v;
      else if (typeof v === 'number' && Number.isFinite(v)) id = String(v);
      else if (v !== undefined && v !== null && v !== '') {
        throw new DecodeError('missing_event_id', `field '${source.path}' must be a non-empty string or a number to serve as event id; got ${typeof v}`);
      }
      where = `field '${source.path}'`;
      break;
    }
  }
  if (id === undefined) {
    if ('fallback' in source && source.fallback === 'contentHash') return contentHashId(input.record);
    throw new DecodeError('missing_event_id', `no event id: ${where} is missing or empty`);
  }
  if (id.length > MAX_EVENT_ID_LENGTH) {
    throw new DecodeError('missing_event_id', `event id from ${where} is ${id.length} characters; at most ${MAX_EVENT_ID_LENGTH}`);
  }
  return id;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const INTEGER = /^-?\d{1,16}$/;
const DECIMAL = /^-?\d{1,13}(\.\d{1,9})?$/;
/** ECMAScript's time range: ±8.64e15 ms around the epoch. */
const MAX_TIME_MS = 8.64e15;

/**
 * Parses one timestamp. Numbers may arrive as JSON numbers or as strings (attributes and CSV
 * cells are strings). Returns epoch ms, or undefined when the value cannot be read in `format`.
 */
export function parseTimestamp(value: unknown, format: TimeFormat): number | undefined {
  let ms: number | undefined;
  if (format === 'rfc3339') {
    if (typeof value !== 'string') return undefined;
    const m = RFC3339.exec(value);
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
    if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined; // day beyond the month's last
    ms = Date.parse(value.toUpperCase().replace(' ', 'T').replace(/\.(\d{3})\d+/, '.$1'));
    if (Number.isNaN(ms)) return undefined;
  } else {
    let n: number | undefined;
    if (typeof value === 'number' && Number.isFinite(value)) n = value;
    else if (typeof value === 'string' && (format === 'epochMs' ? INTEGER : DECIMAL).test(value)) n = Number(value);
    if (n === undefined) return undefined;
    if (format === 'epochMs') {
      if (!Number.isInteger(n)) return undefined;
      ms = n;
    } else {
      ms = Math.round(n * 1000);
    }
  }
  return Math.abs(ms) <= MAX_TIME_MS ? ms : undefined;
}

export interface EventTimeInput {
  record: unknown;
  attributes: Readonly<Record<string, string>>;
  /** Pub/Sub publish time, epoch ms. */
  publishTime: number;
  /** Debezium `ts_ms`, for `{from: 'cdcTimestamp'}`. */
  cdcTimestamp?: number;
}

/** Default of `watermark.maxFutureSkew`: how far an event time may lie ahead of the clock. */
export const DEFAULT_MAX_FUTURE_SKEW = '5m';

/** The pipeline's `watermark.maxFutureSkew` in ms (its default when unset). */
export function maxFutureSkewMs(definition: { watermark?: { maxFutureSkew?: DurationInput } | undefined }): number {
  return parseDuration(definition.watermark?.maxFutureSkew ?? DEFAULT_MAX_FUTURE_SKEW, 'watermark.maxFutureSkew');
}

/**
 * The event time (epoch ms) of one record per the definition's `source.eventTime`.
 * @throws DecodeError `missing_event_time`, `invalid_event_time`, or `event_time_out_of_range`
 *   for a time BigQuery and Firestore cannot store (before 0001-01-01 or after 9999-12-31).
 */
export function extractEventTime(source: EventTimeSource, input: EventTimeInput): number {
  const ms = readEventTime(source, input);
  if (!isStorableTime(ms)) {
    throw new DecodeError('event_time_out_of_range', `event time ${ms} ms is outside 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z, what BigQuery and Firestore can store`);
  }
  return ms;
}

function readEventTime(source: EventTimeSource, input: EventTimeInput): number {
  switch (source.from) {
    case 'publishTime':
      return input.publishTime;
    case 'cdcTimestamp': {
      const t = input.cdcTimestamp;
      if (t === undefined) throw new DecodeError('missing_event_time', 'no event time: the change event has no ts_ms');
      const ms = parseTimestamp(t, 'epochMs');
      if (ms === undefined) throw new DecodeError('invalid_event_time', `ts_ms must be whole epoch milliseconds; got ${String(t)}`);
      return ms;
    }
    case 'attribute':
    case 'field': {
      const raw =
        source.from === 'attribute'
          ? Object.prototype.hasOwnProperty.call(input.attributes, source.name)
            ? input.attributes[source.name]
            : undefined
          : getPath(input.record, source.path);
      const where = source.from === 'attribute' ? `attribute '${source.name}'` : `field '${source.path}'`;
      if (raw === undefined || raw === null || raw === '') {
        if (source.fallback === 'publishTime') return input.publishTime;
        throw new DecodeError('missing_event_time', `no event time: ${where} is missing`);
      }
      const ms = parseTimestamp(raw, source.format);
      if (ms === undefined) {
        const shown = typeof raw === 'string' ? JSON.stringify(raw.slice(0, 40)) : typeof raw === 'number' ? String(raw) : typeof raw;
        throw new DecodeError('invalid_event_time', `${where} is not a ${FORMAT_NAME[source.format]} timestamp; got ${shown}`);
      }
      return ms;
    }
  }
}

const FORMAT_NAME: Record<TimeFormat, string> = {
  epochMs: 'whole epoch-milliseconds',
  epochS: 'epoch-seconds',
  rfc3339: 'RFC 3339',
};
