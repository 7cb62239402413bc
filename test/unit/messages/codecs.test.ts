import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../shared/core/errors';
import {
  type AdvanceMessage,
  decodeAggregatorMessage,
  decodeDeadLetter,
  decodeEventBundle,
  decodeKeyedMessage,
  decodeTick,
  deadLetterFromError,
  deadLetterFromPubsub,
  deadLetterOf,
  deadLetterRow,
  encodeAdvance,
  encodeDeadLetter,
  encodeEventBundle,
  encodeKeyedBundle,
  encodeTick,
  type Envelope,
  type EventBundle,
  type KeyedBundle,
  orderingKeyOf,
  parseOrderingKey,
} from '../../../shared/messages';

const envelope = (i: number, extra: Partial<Envelope> = {}): Envelope => ({
  eventId: `e-${i}`,
  eventTime: 1_700_000_000_000 + i,
  pipeline: 'iot-sensors',
  source: { messageId: `m-${i}`, publishTime: 1_700_000_000_500, attributes: { a: 'b' }, format: 'json' },
  record: { device_id: 'dev-1', temperature_c: 21.5 + i, nested: { deep: [1, 2, { x: 'é✓' }] } },
  ingestTime: 1_700_000_001_000,
  ...extra,
});

const eventBundle = (): EventBundle => ({ v: 1, pipeline: 'iot-sensors', envelopes: [envelope(1), envelope(2)] });
const keyedBundle = (): KeyedBundle => ({
  v: 1,
  kind: 'bundle',
  pipeline: 'clickstream',
  aggregation: 'user_sessions',
  partition: 3,
  bundleId: 'abc',
  records: [{ eventId: 'e1', key: 'u1', eventTime: -5, value: { page: '/x' } }],
});
const advance = (): AdvanceMessage => ({
  v: 1,
  kind: 'advance',
  pipeline: 'clickstream',
  aggregation: 'user_sessions',
  partition: 0,
  watermark: 1_700_000_000_000,
  processingTime: 1_700_000_060_000,
});

describe('round trips', () => {
  it('event bundle, including CDC and batch-object sources, as text and bytes', () => {
    const b = eventBundle();
    b.envelopes.push(
      envelope(3, {
        source: {
          messageId: 'm3',
          publishTime: 0,
          attributes: {},
          format: 'cdc-debezium',
          cdc: { op: 'u', position: 'mysql-bin.000003:154', before: { a: 1 } },
          object: { bucket: 'landing', name: 'x/y.csv', generation: '1700000000123456', index: 41 },
        },
      }),
    );
    expect(decodeEventBundle(encodeEventBundle(b))).toEqual(b);
    expect(decodeEventBundle(Buffer.from(encodeEventBundle(b)))).toEqual(b);
  });

  it('keyed bundle, advance and tick through the keyed and aggregator decoders', () => {
    expect(decodeKeyedMessage(encodeKeyedBundle(keyedBundle()))).toEqual(keyedBundle());
    expect(decodeKeyedMessage(encodeAdvance(advance()))).toEqual(advance());
    expect(decodeAggregatorMessage(encodeTick({ v: 1, kind: 'tick' }))).toEqual({ v: 1, kind: 'tick' });
    expect(decodeTick(encodeTick({ v: 1, kind: 'tick', pipeline: 'clickstream' }))).toEqual({ v: 1, kind: 'tick', pipeline: 'clickstream' });
    expect(decodeAggregatorMessage(encodeAdvance(advance()))).toEqual(advance());
  });

  it('dead letter: text payload stays text, binary becomes base64, large payloads are truncated', () => {
    const text = deadLetterOf({ stage: 'ingest', reason: 'invalid_json', message: 'x', raw: '{"a":', attempt: 1, at: 5 });
    expect(text.payloadEncoding).toBe('text');
    expect(text.payload).toBe('{"a":');
    expect(decodeDeadLetter(encodeDeadLetter(text))).toEqual(text);

    const bin = deadLetterOf({ stage: 'ingest', reason: 'invalid_utf8', message: 'x', raw: new Uint8Array([0xff, 0xfe, 0x00, 0x41]), attempt: 2, at: 5 });
    expect(bin.payloadEncoding).toBe('base64');
    expect(Buffer.from(bin.payload, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(decodeDeadLetter(encodeDeadLetter(bin))).toEqual(bin);

    const big = deadLetterOf({ stage: 'transform', reason: 'r', message: 'm', raw: 'x'.repeat(1000), attempt: 1, at: 0, maxPayloadBytes: 100 });
    expect(big).toMatchObject({ payloadBytes: 1000, payloadTruncated: true });
    expect(big.payload).toHaveLength(100);
  });

  it('dead letter from a DecodeError keeps its reason; from Pub/Sub counts the attempts', () => {
    const d = deadLetterFromError(new DecodeError('missing_event_time', 'no ts'), { stage: 'ingest', raw: '{}', attempt: 1, at: 9, eventId: 'e' });
    expect(d).toMatchObject({ reason: 'missing_event_time', message: 'no ts', eventId: 'e' });
    const p = deadLetterFromPubsub({
      stage: 'aggregator',
      raw: 'x',
      attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '10', CloudPubSubDeadLetterSourceSubscription: 'keyed-agg' },
      at: 1,
    });
    expect(p).toMatchObject({ reason: 'max_delivery_attempts', attempt: 10 });
    expect(p.message).toContain('keyed-agg');
    const row = deadLetterRow(d);
    expect(row).toMatchObject({ stage: 'ingest', reason: 'missing_event_time', payload_encoding: 'text', event_id: 'e', at: new Date(9).toISOString() });
    expect(JSON.parse(row.attributes_json as string)).toEqual({});
  });

  it('ordering keys round-trip and reject malformed ones', () => {
    expect(parseOrderingKey(orderingKeyOf('page_traffic', 17))).toEqual({ aggregation: 'page_traffic', partition: 17 });
    expect(parseOrderingKey('page_traffic/07')).toBeUndefined();
    expect(parseOrderingKey('Page/1')).toBeUndefined();
  });
});

type Bad = [label: string, input: string | Uint8Array, reason: string, message: RegExp];
const json = (x: unknown): string => JSON.stringify(x);
const withEnv = (patch: (e: Record<string, unknown>) => void): string => {
  const b = eventBundle() as unknown as { envelopes: Record<string, unknown>[] };
  patch(b.envelopes[1]!);
  return json(b);
};
const withKeyed = (patch: (b: Record<string, unknown>) => void): string => {
  const b = keyedBundle() as unknown as Record<string, unknown>;
  patch(b);
  return json(b);
};

const badEventBundles: Bad[] = [
  ['empty input', '', 'invalid_json', /not valid JSON/],
  ['truncated JSON', '{"v":1,"pipeline":', 'invalid_json', /not valid JSON/],
  ['invalid UTF-8 bytes', new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8', /not valid UTF-8/],
  ['a JSON array', '[1,2]', 'invalid_event_bundle', /must be a JSON object/],
  ['a JSON string', '"hello"', 'invalid_event_bundle', /must be a JSON object/],
  ['missing version', json({ pipeline: 'iot-sensors', envelopes: [] }), 'unsupported_version', /v must be 1; got nothing/],
  ['newer version', json({ ...eventBundle(), v: 2 }), 'unsupported_version', /wire version 2 is newer/],
  ['no envelopes', json({ v: 1, pipeline: 'iot-sensors', envelopes: [] }), 'invalid_event_bundle', /envelopes: must have at least 1 item/],
  ['bad pipeline name', json({ ...eventBundle(), pipeline: 'Bad Name' }), 'invalid_event_bundle', /pipeline: must match/],
  ['eventTime as a string', withEnv((e) => (e.eventTime = '2024-01-01')), 'invalid_event_bundle', /envelopes\[1\]\.eventTime: must be a whole number/],
  ['fractional eventTime', withEnv((e) => (e.eventTime = 1.5)), 'invalid_event_bundle', /envelopes\[1\]\.eventTime: must be a whole number; got 1.5/],
  ['missing eventId', withEnv((e) => delete e.eventId), 'invalid_event_bundle', /envelopes\[1\]\.eventId: required/],
  ['empty eventId', withEnv((e) => (e.eventId = '')), 'invalid_event_bundle', /envelopes\[1\]\.eventId: must not be empty/],
  ['record is an array', withEnv((e) => (e.record = [1])), 'invalid_event_bundle', /envelopes\[1\]\.record: must be an object/],
  ['unknown payload format', withEnv((e) => ((e.source as Record<string, unknown>).format = 'xml')), 'invalid_event_bundle', /source\.format: must be one of/],
  ['non-string attribute', withEnv((e) => ((e.source as Record<string, unknown>).attributes = { n: 1 })), 'invalid_event_bundle', /attributes\.n: must be a string/],
  ['unknown CDC op', withEnv((e) => ((e.source as Record<string, unknown>).cdc = { op: 'x', position: '1' })), 'invalid_event_bundle', /cdc\.op: must be one of 'c', 'u', 'd', 'r'/],
  ['extra envelope property', withEnv((e) => (e.surprise = true)), 'invalid_event_bundle', /envelopes\[1\]\.surprise: is not a known property/],
  ['__proto__ key in a record', withEnv((e) => (e.record = JSON.parse('{"a":{"__proto__":{"polluted":1}}}'))).replace('"a":', '"a":'), 'hostile_key', /envelopes\[1\]\.record\.a: key '__proto__' is not allowed/],
  ['constructor key', '{"v":1,"pipeline":"iot-sensors","envelopes":[{"constructor":{"prototype":{}}}]}', 'hostile_key', /key 'constructor'/],
  ['prototype key', '{"v":1,"prototype":1}', 'hostile_key', /key 'prototype'/],
  ['deep nesting', `{"v":1,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'too_deep', /deeper than 32 levels/],
  ['brackets in strings do not count as depth', json({ v: 1, pipeline: 'iot-sensors', envelopes: [], s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' }), 'invalid_event_bundle', /^s: is not a known property/],
  ['huge string', withEnv((e) => ((e.record as Record<string, unknown>).blob = 'x'.repeat(300_000))), 'string_too_long', /envelopes\[1\]\.record\.blob: string of 300000 characters exceeds/],
  ['too many keys', withEnv((e) => (e.record = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`k${i}`, i])))), 'too_many_keys', /envelopes\[1\]\.record: more than 2000 keys/],
  ['oversize input', json({ v: 1, pad: 'x'.repeat(11 * 1024 * 1024) }), 'too_large', /exceeds 10485760/],
];

const badKeyed: Bad[] = [
  ['unknown kind', json({ ...keyedBundle(), kind: 'flush' }), 'unknown_kind', /kind must be one of 'bundle', 'advance'; got "flush"/],
  ['a tick on the keyed stream', encodeTick({ v: 1, kind: 'tick' }), 'unknown_kind', /got "tick"/],
  ['missing kind', json({ v: 1 }), 'unknown_kind', /got nothing/],
  ['negative partition', withKeyed((b) => (b.partition = -1)), 'invalid_keyed_bundle', /partition: must be >= 0; got -1/],
  ['partition ≥ 1000', withKeyed((b) => (b.partition = 1000)), 'invalid_keyed_bundle', /partition: must be <= 999/],
  ['aggregation not an identifier', withKeyed((b) => (b.aggregation = 'User-Sessions')), 'invalid_keyed_bundle', /aggregation: must match/],
  ['record without key', withKeyed((b) => delete (b.records as Record<string, unknown>[])[0]!.key), 'invalid_keyed_bundle', /records\[0\]\.key: required/],
  ['record key a number', withKeyed((b) => ((b.records as Record<string, unknown>[])[0]!.key = 7)), 'invalid_keyed_bundle', /records\[0\]\.key: must be a string/],
  ['empty records', withKeyed((b) => (b.records = [])), 'invalid_keyed_bundle', /records: must have at least 1 item/],
  ['advance without watermark', json({ ...advance(), watermark: undefined }), 'invalid_advance_message', /watermark: required/],
  ['advance with infinite-ish watermark', json({ ...advance(), watermark: 1e300 }), 'invalid_advance_message', /watermark: must be <=/],
  ['hostile key in a value', '{"v":1,"kind":"bundle","records":[{"value":{"__proto__":null}}]}', 'hostile_key', /records\[0\]\.value: key '__proto__'/],
];

function expectDecodeError(fn: () => unknown, reason: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DecodeError);
  expect((caught as DecodeError).reason).toBe(reason);
  expect((caught as DecodeError).message).toMatch(message);
}

describe('malformed input', () => {
  it.each(badEventBundles)('event bundle: %s → %s', (_l, input, reason, message) => {
    expectDecodeError(() => decodeEventBundle(input), reason, message);
  });
  it.each(badKeyed)('keyed stream: %s → %s', (_l, input, reason, message) => {
    expectDecodeError(() => decodeKeyedMessage(input), reason, message);
  });
  it('tick decoder accepts only ticks', () => {
    expectDecodeError(() => decodeTick(encodeAdvance(advance())), 'unknown_kind', /must be one of 'tick'/);
  });
  it('dead letter with an unknown stage', () => {
    const d = { ...deadLetterOf({ stage: 'ingest', reason: 'r', message: 'm', raw: 'x', attempt: 1, at: 0 }), stage: 'loader' };
    expectDecodeError(() => decodeDeadLetter(JSON.stringify(d)), 'invalid_dead_letter', /stage: must be one of 'ingest'/);
  });
  it('no prototype is polluted by any of them', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
