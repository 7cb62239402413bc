import { describe, expect, it } from 'vitest';
import { decodeDelivery, findLoneSurrogate } from '../../../../shared/stages/transform';
import { bundleOf, envelopeOf } from './fixtures';

const ok = (i: number) => JSON.stringify(envelopeOf({ order_id: `o-${i}`, n: i }));
const wrap = (envelopes: string[]) => Buffer.from(`{"v":1,"pipeline":"shop-orders","envelopes":[${envelopes.join(',')}]}`);

describe('decodeDelivery', () => {
  it('decodes a clean bundle on the fast path', () => {
    const r = decodeDelivery(bundleOf([envelopeOf({ a: 1 }), envelopeOf({ a: 2 })]));
    expect(r.ok && r.envelopes.map((e) => e.envelope.record)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it.each<[string, string, string]>([
    ['an envelope missing its event time', JSON.stringify({ ...JSON.parse(ok(5)), eventTime: undefined }), 'invalid_envelope'],
    ['an envelope with an unknown property', JSON.stringify({ ...JSON.parse(ok(5)), extra: 1 }), 'invalid_envelope'],
    ['a record with __proto__', ok(5).replace('"record":{', '"record":{"__proto__":{"x":1},'), 'hostile_key'],
    ['a record with prototype', ok(5).replace('"record":{', '"record":{"a":{"prototype":1},'), 'hostile_key'],
    ['a record with too many keys', ok(5).replace('"record":{', `"record":{${Array.from({ length: 2001 }, (_, i) => `"k${i}":1`).join(',')},`), 'too_many_keys'],
  ])('isolates %s', (_n, bad, reason) => {
    const r = decodeDelivery(wrap([ok(1), bad, ok(2)]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.envelopes.map((e) => [e.index, e.envelope.eventId])).toEqual([
      [0, 'o-1'],
      [2, 'o-2'],
    ]);
    expect(r.rejected.map((x) => [x.index, x.reason])).toEqual([[1, reason]]);
    expect(r.rejected[0]!.raw.length).toBeGreaterThan(0);
  });

  it.each<[string, Buffer, string]>([
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8'],
    ['not JSON', Buffer.from('{"v":1,'), 'invalid_json'],
    ['a hostile key in the header', Buffer.from(`{"v":1,"pipeline":"shop-orders","__proto__":{},"envelopes":[${ok(1)}]}`), 'hostile_key'],
    ['a bad header', Buffer.from(`{"v":1,"pipeline":"Bad Name","envelopes":[${ok(1)}]}`), 'invalid_event_bundle'],
    ['an empty bundle', Buffer.from('{"v":1,"pipeline":"shop-orders","envelopes":[]}'), 'invalid_event_bundle'],
    ['a newer wire version', Buffer.from('{"v":2,"pipeline":"shop-orders","envelopes":[]}'), 'unsupported_version'],
    ['nesting deeper than any record may', Buffer.from(`{"v":1,"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), 'too_deep'],
  ])('rejects the whole delivery for %s', (_n, data, reason) => {
    const r = decodeDelivery(data);
    expect(r.ok ? 'ok' : r.error.reason).toBe(reason);
  });

  it('finds lone surrogates in values and keys, accepts pairs', () => {
    expect(findLoneSurrogate({ a: ['ok', '😀'] })).toBeUndefined();
    expect(findLoneSurrogate({ a: ['ok', 'x\ud800'] })).toBe('record.a[1]');
    expect(findLoneSurrogate({ ['\udc00']: 1 })).toBe('record (a key)');
  });
});
