import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHashId } from '../../../../shared/pipeline';
import { decodeMessage, type IngestDefinition, maxEnvelopeBytesFor, type RawMessage } from '../../../../shared/stages/ingest';
import { clickstream, headerless, iot, orders, PUBLISH_MS, reading } from './fixtures';

function decode(data: string | Uint8Array, definition: IngestDefinition = iot, attributes: Record<string, string> = {}, maxEnvelopeBytes?: number) {
  const message: RawMessage = { data: typeof data === 'string' ? Buffer.from(data) : data, attributes, messageId: 'mid-1', publishTime: PUBLISH_MS };
  return decodeMessage(message, { messageId: message.messageId, publishTime: PUBLISH_MS, attributes }, {
    definition,
    ingestTime: PUBLISH_MS + 1,
    maxEnvelopeBytes: maxEnvelopeBytes ?? maxEnvelopeBytesFor(definition.name),
  });
}

const reasons = (d: ReturnType<typeof decode>) => d.rejected.map((r) => r.reason);

describe('decodeMessage: formats', () => {
  it('decodes one JSON object into one envelope with id, event time and the message metadata', () => {
    const r = reading(1);
    const d = decode(JSON.stringify(r), iot, { origin: 'gw-1' });
    expect(d.batch).toBe(false);
    expect(d.rejected).toEqual([]);
    expect(d.envelopes).toEqual([
      {
        eventId: 'r-1',
        eventTime: Date.parse(r.measured_at),
        pipeline: 'iot-sensors',
        source: { messageId: 'mid-1', publishTime: PUBLISH_MS, attributes: { origin: 'gw-1' }, format: 'json' },
        record: r,
        ingestTime: PUBLISH_MS + 1,
      },
    ]);
  });

  it('keeps a JSON array together as a producer batch, in order', () => {
    const rs = [reading(1), reading(2), reading(3)];
    const d = decode(JSON.stringify(rs));
    expect(d.batch).toBe(true);
    expect(d.envelopes.map((e) => e.record)).toEqual(rs);
  });

  it('treats a one-element array as a single event (group-committed)', () => {
    expect(decode(JSON.stringify([reading(1)])).batch).toBe(false);
  });

  it('decodes NDJSON line by line; only the bad lines are rejected', () => {
    const text = [JSON.stringify(reading(1)), '{"reading_id": "r-x", oops', '', JSON.stringify(reading(2)), '42'].join('\n');
    const d = decode(text);
    expect(d.format).toBe('ndjson');
    expect(d.envelopes.map((e) => e.eventId)).toEqual(['r-1', 'r-2']);
    expect(reasons(d)).toEqual(['invalid_json', 'not_an_object']);
    expect(d.rejected[0]!.raw).toBe('{"reading_id": "r-x", oops');
    expect(d.recordsIn).toBe(4);
  });

  it('stamps records of an NDJSON message with format ndjson, like the lines of a landed NDJSON file', () => {
    const d = decode([JSON.stringify(reading(1)), JSON.stringify(reading(2))].join('\n'));
    expect(d.envelopes.map((e) => e.source.format)).toEqual(['ndjson', 'ndjson']);
    expect(decode(JSON.stringify(reading(3))).envelopes[0]!.source.format).toBe('json');
  });

  it('decodes CSV with a header row into string cells with the same ids and times as the JSON form', () => {
    const rs = [reading(1), reading(2)];
    const csv = ['reading_id,device_id,measured_at,temperature_c', ...rs.map((r) => [r.reading_id, r.device_id, r.measured_at, r.temperature_c].join(','))].join('\r\n');
    const d = decode(csv);
    const j = decode(JSON.stringify(rs));
    expect(d.format).toBe('csv');
    expect(d.envelopes.map((e) => [e.eventId, e.eventTime])).toEqual(j.envelopes.map((e) => [e.eventId, e.eventTime]));
    expect(d.envelopes.map((e) => e.record)).toEqual(rs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))));
  });

  it("reads headerless CSV with the definition's columns and delimiter", () => {
    const d2 = decode('m-1;1772359200;1.5\nm-2;1772359260.5;2', headerless);
    expect(d2.envelopes.map((e) => [e.record, e.eventTime])).toEqual([
      [{ meter: 'm-1', at: '1772359200', kwh: '1.5' }, 1772359200_000],
      [{ meter: 'm-2', at: '1772359260.5', kwh: '2' }, 1772359260_500],
    ]);
    expect(d2.envelopes[0]!.eventId).toBe(contentHashId({ meter: 'm-1', at: '1772359200', kwh: '1.5' }));
  });

  it('rejects a CSV row with the wrong number of cells, keeping the others', () => {
    const d = decode('m-1;1772359200;1.5\nm-2;1772359260\nm-3;1772359300;3', headerless);
    expect(d.envelopes.map((e) => e.record.meter)).toEqual(['m-1', 'm-3']);
    expect(reasons(d)).toEqual(['invalid_csv']);
    expect(d.rejected[0]!.raw).toBe('m-2;1772359260');
  });

  it('refuses a hostile CSV header without polluting any prototype', () => {
    const d = decode('__proto__,measured_at\npolluted,2026-03-01T10:00:00Z');
    expect(reasons(d)).toEqual(['hostile_key']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('decodeMessage: identity rules', () => {
  it('uses the id attribute, else the content hash (clickstream)', () => {
    const rec = { user_email: 'a@b.c', event_type: 'click', page: '/', ip: '1.2.3.4', client_ts: PUBLISH_MS - 10 };
    expect(decode(JSON.stringify(rec), clickstream, { event_id: 'e-9' }).envelopes[0]!.eventId).toBe('e-9');
    expect(decode(JSON.stringify(rec), clickstream).envelopes[0]!.eventId).toBe(contentHashId(rec));
    expect(decode(JSON.stringify(rec), clickstream).envelopes[0]!.eventTime).toBe(PUBLISH_MS - 10);
  });

  it('an id attribute on a producer batch names the message: each record gets <id>#<index>, none collapse', () => {
    const recs = [0, 1, 2].map((i) => ({ user_email: 'a@b.c', event_type: 'click', page: `/p${i}`, ip: '1.2.3.4', client_ts: PUBLISH_MS - i }));
    const ndjson = [JSON.stringify(recs[0]), '{oops', JSON.stringify(recs[1]), JSON.stringify(recs[2])].join('\n');
    // The index is the record's position in the message (bad lines count), so a redelivery gives the same ids.
    expect(decode(ndjson, clickstream, { event_id: 'e-7' }).envelopes.map((e) => e.eventId)).toEqual(['e-7#0', 'e-7#2', 'e-7#3']);
    expect(decode(JSON.stringify(recs), clickstream, { event_id: 'e-8' }).envelopes.map((e) => e.eventId)).toEqual(['e-8#0', 'e-8#1', 'e-8#2']);
    // Without the attribute the fallback applies per record, unchanged.
    expect(decode(JSON.stringify(recs), clickstream).envelopes.map((e) => e.eventId)).toEqual(recs.map((r) => contentHashId(r)));
    // A one-element array is a single event: the attribute is its id as is.
    expect(decode(JSON.stringify([recs[0]]), clickstream, { event_id: 'e-9' }).envelopes[0]!.eventId).toBe('e-9');
  });

  it('falls back to publish time only when the time field is absent, never when it is malformed', () => {
    const rec = { user_email: 'a@b.c', event_type: 'click', page: '/', ip: '1.2.3.4' };
    expect(decode(JSON.stringify(rec), clickstream).envelopes[0]!.eventTime).toBe(PUBLISH_MS);
    expect(reasons(decode(JSON.stringify({ ...rec, client_ts: 'yesterday' }), clickstream))).toEqual(['invalid_event_time']);
  });

  it.each([
    ['missing', { measured_at: undefined }, 'missing_event_time'],
    ['not RFC 3339', { measured_at: '01/03/2026 10:00' }, 'invalid_event_time'],
    ['impossible date', { measured_at: '2026-02-30T10:00:00Z' }, 'invalid_event_time'],
    ['in year 10000 (epoch ms JavaScript accepts)', { measured_at: '+010000-01-01T00:00:00.000Z' }, 'invalid_event_time'],
    ['more than watermark.maxFutureSkew (default 5 min) after its publish time', { measured_at: new Date(PUBLISH_MS + 5 * 60_000 + 1).toISOString() }, 'event_time_in_future'],
    ['dated 2100', { measured_at: '2100-01-01T00:00:00Z' }, 'event_time_in_future'],
  ])('dead-letters an event time that is %s', (_name, patch, reason) => {
    expect(reasons(decode(JSON.stringify({ ...reading(1), ...patch })))).toEqual([reason]);
  });

  it('accepts an event time up to maxFutureSkew after its publish time, and honours a pipeline\'s own skew', () => {
    const at = (ms: number) => JSON.stringify({ ...reading(1), measured_at: new Date(PUBLISH_MS + ms).toISOString() });
    expect(decode(at(5 * 60_000)).envelopes).toHaveLength(1);
    const strict = { ...iot, watermark: { maxOutOfOrderness: '30s', idleTimeout: '2m', maxFutureSkew: '10s' } };
    expect(reasons(decode(at(11_000), strict))).toEqual(['event_time_in_future']);
    expect(decode(at(10_000), strict).envelopes).toHaveLength(1);
  });
});

describe('decodeMessage: bad input', () => {
  const long = 'x'.repeat(300 * 1024);
  it.each<[string, string | Buffer, string, Record<string, string>?]>([
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'invalid_utf8'],
    ['an empty payload', '   \n', 'empty_payload'],
    ['truncated JSON', '{"reading_id": "r-1"', 'invalid_json'],
    ['a JSON string', '"hello"', 'not_an_object'],
    ['null', 'null', 'not_an_object'],
    ['an empty array', '[]', 'empty_payload'],
    ['deep nesting', `${'['.repeat(100)}${']'.repeat(100)}`, 'too_deep'],
    ['a __proto__ key', '{"__proto__": {"admin": true}, "reading_id": "r"}', 'hostile_key'],
    ['a constructor key', '{"constructor": {"prototype": 1}}', 'hostile_key'],
    ['a huge string', JSON.stringify({ ...reading(1), note: long }), 'string_too_long'],
    ['too many keys', JSON.stringify(Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`k${i}`, i]))), 'too_many_keys'],
    ['an unknown declared format', '{}', 'unsupported_format', { 'sluice-format': 'xml' }],
  ])('rejects %s as a whole message', (_name, data, reason, attributes = {}) => {
    const d = decode(data, iot, attributes);
    expect([d.envelopes.length, d.recordsIn, reasons(d)]).toEqual([0, 1, [reason]]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses a format the pipeline does not accept', () => {
    expect(reasons(decode('a,b\n1,2', clickstream, { 'sluice-format': 'csv' }))).toEqual(['unsupported_format']);
  });

  it('rejects an event whose envelope cannot fit one bundle, with its event id', () => {
    const big = { ...reading(1), note: 'y'.repeat(2000) };
    const d = decode(JSON.stringify([big, reading(2)]), iot, {}, 1500);
    expect(reasons(d)).toEqual(['event_too_large']);
    expect(d.rejected[0]!.eventId).toBe('r-1');
    expect(d.envelopes.map((e) => e.eventId)).toEqual(['r-2']);
  });

  it('count in = out + rejected for any mix of good and bad NDJSON lines', () => {
    const bad = ['{', '[1,2]', '"s"', '{"__proto__":1}', JSON.stringify({ ...reading(0), measured_at: 'nope' })];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(999).map((i) => ({ good: true, line: JSON.stringify(reading(i)) })), fc.constantFrom(...bad).map((line) => ({ good: false, line }))), { minLength: 2, maxLength: 40 }), (items) => {
        // A first line that is not JSON makes the message one undecodable payload, which is covered above.
        fc.pre(items[0]!.line !== '{');
        const d = decode(items.map((i) => i.line).join('\n'));
        expect(d.recordsIn).toBe(items.length);
        expect(d.envelopes.length).toBe(items.filter((i) => i.good).length);
        expect(d.rejected.length).toBe(items.filter((i) => !i.good).length);
      }),
    );
  });
});

describe('decodeMessage: CDC change events', () => {
  const change = (op: string, extra: Record<string, unknown> = {}) => ({
    op,
    before: op === 'c' || op === 'r' ? null : { id: 7, status: 'new' },
    after: op === 'd' ? null : { id: 7, status: 'paid' },
    ts_ms: 1772359200123,
    source: { connector: 'postgresql', lsn: 24023128 },
    ...extra,
  });

  it.each([
    ['c', { id: 7, status: 'paid' }, undefined],
    ['r', { id: 7, status: 'paid' }, undefined],
    ['u', { id: 7, status: 'paid' }, { id: 7, status: 'new' }],
    ['d', { id: 7, status: 'new' }, { id: 7, status: 'new' }],
  ])("op '%s' becomes a record with the change in source.cdc", (op, record, before) => {
    const d = decode(JSON.stringify(change(op)), orders);
    expect(d.rejected).toEqual([]);
    const e = d.envelopes[0]!;
    expect([e.record, e.eventId, e.eventTime, e.source.format]).toEqual([record, '24023128', 1772359200123, 'cdc-debezium']);
    expect(e.source.cdc).toEqual({ op, position: '24023128', ...(before ? { before } : {}) });
  });

  it("reads Debezium's {schema, payload} form and a MySQL binlog position", () => {
    const payload = change('c', { source: { connector: 'mysql', file: 'binlog.000003', pos: 154, row: 2 } });
    const d = decode(JSON.stringify({ schema: { type: 'struct' }, payload }), orders);
    expect(d.envelopes[0]!.eventId).toBe('binlog.000003:154:2');
  });

  it('keeps NDJSON change streams as one batch', () => {
    const lines = [change('c'), change('u', { source: { lsn: 24023129 } }), change('d', { source: { lsn: 24023130 } })].map((c) => JSON.stringify(c));
    const d = decode(lines.join('\n'), orders);
    expect([d.batch, d.envelopes.map((e) => e.source.cdc!.op)]).toEqual([true, ['c', 'u', 'd']]);
  });

  it.each([
    ['a create without after', change('c', { after: null }), 'cdc_missing_after'],
    ['an update without after', change('u', { after: undefined }), 'cdc_missing_after'],
    ['a delete without before', change('d', { before: null }), 'cdc_missing_before'],
    ['an unknown op', change('x'), 'cdc_invalid_op'],
    ['no ts_ms', change('c', { ts_ms: undefined }), 'missing_event_time'],
    ['a fractional ts_ms', change('c', { ts_ms: 1.5 }), 'invalid_event_time'],
    ['no source position', change('c', { source: { connector: 'x' } }), 'missing_event_id'],
  ])('dead-letters %s', (_name, value, reason) => {
    expect(reasons(decode(JSON.stringify(value), orders))).toEqual([reason]);
  });
});

describe('decodeMessage: records fit the bundle they travel in', () => {
  const nested = (depth: number): unknown => (depth <= 1 ? 1 : { n: nested(depth - 1) });
  it('accepts a record exactly as deep as still decodes inside a bundle, and refuses one level more', async () => {
    const { decodeEventBundle, encodeEventBundle } = await import('../../../../shared/messages');
    // The record object is level 1 and `nested(d)` adds d − 1 levels: 29 in all, 32 inside the bundle.
    const ok = decode(JSON.stringify({ ...reading(1), extra: nested(29) }));
    expect(ok.rejected).toEqual([]);
    const bundle = encodeEventBundle({ v: 1, pipeline: 'iot-sensors', envelopes: ok.envelopes });
    expect(decodeEventBundle(bundle).envelopes).toHaveLength(1);
    expect(() => decodeEventBundle(encodeEventBundle({ v: 1, pipeline: 'iot-sensors', envelopes: [{ ...ok.envelopes[0]!, record: { ...reading(1), extra: nested(30) } }] }))).toThrow(/deeper/);
    expect(reasons(decode(JSON.stringify({ ...reading(1), extra: nested(30) })))).toEqual(['too_deep']);
  });
});
