import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../shared/core/errors';
import { sha256Hex } from '../../../shared/core/hash';
import {
  canonicalJson,
  extractEventId,
  extractEventTime,
  parseTimestamp,
  type EventIdSource,
  type EventTimeSource,
  type TimeFormat,
} from '../../../shared/pipeline';

describe('parseTimestamp', () => {
  it.each<[unknown, TimeFormat, number | undefined]>([
    [1_700_000_000_123, 'epochMs', 1_700_000_000_123],
    ['1700000000123', 'epochMs', 1_700_000_000_123],
    [-1, 'epochMs', -1],
    [1.5, 'epochMs', undefined],
    ['17e11', 'epochMs', undefined],
    ['', 'epochMs', undefined],
    [1_700_000_000, 'epochS', 1_700_000_000_000],
    [1_700_000_000.2505, 'epochS', 1_700_000_000_251],
    ['1700000000.5', 'epochS', 1_700_000_000_500],
    [Number.NaN, 'epochS', undefined],
    [9e15, 'epochMs', undefined],
    ['2024-02-29T12:00:00Z', 'rfc3339', Date.UTC(2024, 1, 29, 12)],
    ['2024-02-29t12:00:00z', 'rfc3339', Date.UTC(2024, 1, 29, 12)],
    ['2024-02-29 12:00:00.123456+02:00', 'rfc3339', Date.UTC(2024, 1, 29, 10, 0, 0, 123)],
    ['2023-02-29T12:00:00Z', 'rfc3339', undefined],
    ['2024-13-01T00:00:00Z', 'rfc3339', undefined],
    ['2024-01-01T24:00:00Z', 'rfc3339', undefined],
    ['2024-01-01T00:00:00', 'rfc3339', undefined],
    ['2024-01-01', 'rfc3339', undefined],
    [1_700_000_000_000, 'rfc3339', undefined],
  ])('%j as %s → %s', (value, format, expected) => {
    expect(parseTimestamp(value, format)).toBe(expected);
  });
});

const attrs = { id: 'a-1', ts: '1700000000000', empty: '' };
const record = { id: 'r-1', n: 42, ts: '2024-01-01T00:00:00Z', nested: { id: 'n-1' } };

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DecodeError ? e.reason : 'other';
  }
  return undefined;
}

describe('extractEventId', () => {
  it.each<[EventIdSource, string]>([
    [{ from: 'attribute', name: 'id' }, 'a-1'],
    [{ from: 'field', path: 'id' }, 'r-1'],
    [{ from: 'field', path: 'n' }, '42'],
    [{ from: 'field', path: 'nested.id' }, 'n-1'],
    [{ from: 'cdcPosition' }, 'lsn:77'],
  ])('%j → %s', (source, expected) => {
    expect(extractEventId(source, { record, attributes: attrs, cdcPosition: 'lsn:77' })).toBe(expected);
  });

  it('hashes canonical JSON: key order does not matter, values do', () => {
    const a = extractEventId({ from: 'contentHash' }, { record: { b: 1, a: { d: 2, c: [1, { z: 1, y: 2 }] } }, attributes: {} });
    const b = extractEventId({ from: 'contentHash' }, { record: { a: { c: [1, { y: 2, z: 1 }], d: 2 }, b: 1 }, attributes: {} });
    const c = extractEventId({ from: 'contentHash' }, { record: { a: { c: [1, { y: 2, z: 1 }], d: 3 }, b: 1 }, attributes: {} });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toBe(sha256Hex('{"a":{"c":[1,{"y":2,"z":1}],"d":2},"b":1}'));
    expect(canonicalJson({ b: undefined, a: [undefined] })).toBe('{"a":[null]}');
  });

  it('falls back to the content hash only when the id is absent', () => {
    const hash = extractEventId({ from: 'contentHash' }, { record, attributes: {} });
    expect(extractEventId({ from: 'attribute', name: 'missing', fallback: 'contentHash' }, { record, attributes: attrs })).toBe(hash);
    expect(extractEventId({ from: 'attribute', name: 'empty', fallback: 'contentHash' }, { record, attributes: attrs })).toBe(hash);
    expect(reason(() => extractEventId({ from: 'attribute', name: 'missing' }, { record, attributes: attrs }))).toBe('missing_event_id');
    expect(reason(() => extractEventId({ from: 'field', path: 'nested', fallback: 'contentHash' }, { record, attributes: {} }))).toBe('missing_event_id');
    expect(reason(() => extractEventId({ from: 'cdcPosition' }, { record, attributes: {} }))).toBe('missing_event_id');
    expect(reason(() => extractEventId({ from: 'field', path: 'id' }, { record: { id: 'x'.repeat(513) }, attributes: {} }))).toBe('missing_event_id');
  });

  it('never reads through the prototype chain', () => {
    expect(reason(() => extractEventId({ from: 'field', path: 'constructor' }, { record: {}, attributes: {} }))).toBe('missing_event_id');
    expect(reason(() => extractEventId({ from: 'attribute', name: 'toString' }, { record: {}, attributes: {} }))).toBe('missing_event_id');
  });
});

describe('extractEventTime', () => {
  const input = { record, attributes: attrs, publishTime: 5, cdcTimestamp: 1_700_000_000_999 };
  it.each<[EventTimeSource, number]>([
    [{ from: 'publishTime' }, 5],
    [{ from: 'cdcTimestamp' }, 1_700_000_000_999],
    [{ from: 'attribute', name: 'ts', format: 'epochMs' }, 1_700_000_000_000],
    [{ from: 'field', path: 'ts', format: 'rfc3339' }, Date.UTC(2024, 0, 1)],
    [{ from: 'field', path: 'missing', format: 'rfc3339', fallback: 'publishTime' }, 5],
    [{ from: 'attribute', name: 'empty', format: 'epochMs', fallback: 'publishTime' }, 5],
  ])('%j → %d', (source, expected) => {
    expect(extractEventTime(source, input)).toBe(expected);
  });

  it.each<[EventTimeSource, string]>([
    [{ from: 'field', path: 'missing', format: 'rfc3339' }, 'missing_event_time'],
    [{ from: 'field', path: 'ts', format: 'epochMs', fallback: 'publishTime' }, 'invalid_event_time'],
    [{ from: 'field', path: 'nested', format: 'rfc3339' }, 'invalid_event_time'],
    [{ from: 'attribute', name: 'id', format: 'epochS' }, 'invalid_event_time'],
  ])('%j → %s (a malformed value is never replaced by the fallback)', (source, expected) => {
    expect(reason(() => extractEventTime(source, input))).toBe(expected);
  });

  it.each<[string, EventTimeSource, Record<string, unknown>, number | string]>([
    ['the last storable instant', { from: 'field', path: 't', format: 'rfc3339' }, { t: '9999-12-31T23:59:59.999Z' }, 253_402_300_799_999],
    ['the first storable instant', { from: 'field', path: 't', format: 'epochMs' }, { t: -62_135_596_800_000 }, -62_135_596_800_000],
    ['year 10000 in epoch ms (JavaScript can, BigQuery and Firestore cannot)', { from: 'field', path: 't', format: 'epochMs' }, { t: 253_402_300_800_000 }, 'event_time_out_of_range'],
    ['the end of JavaScript time', { from: 'field', path: 't', format: 'epochMs' }, { t: 8.64e15 }, 'event_time_out_of_range'],
    ['before year 1', { from: 'field', path: 't', format: 'epochS' }, { t: -62_135_596_801 }, 'event_time_out_of_range'],
  ])('%s', (_, source, rec, expected) => {
    const read = () => extractEventTime(source, { record: rec, attributes: {}, publishTime: 0 });
    if (typeof expected === 'number') expect(read()).toBe(expected);
    else expect(reason(read)).toBe(expected);
  });

  it('requires ts_ms for CDC time', () => {
    expect(reason(() => extractEventTime({ from: 'cdcTimestamp' }, { ...input, cdcTimestamp: undefined }))).toBe('missing_event_time');
    expect(reason(() => extractEventTime({ from: 'cdcTimestamp' }, { ...input, cdcTimestamp: 1.5 }))).toBe('invalid_event_time');
  });
});
