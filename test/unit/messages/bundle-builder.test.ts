import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64Length,
  bundleIdOf,
  decodeEventBundle,
  decodeKeyedMessage,
  DEFAULT_BUNDLE_MAX_BYTES,
  type Envelope,
  EventBundleBuilder,
  type KeyedRecord,
  KeyedBundleBuilder,
  MAX_EVENT_PAYLOAD_BYTES,
  maxDataBytesForPush,
  pushBodyBytes,
} from '../../../shared/messages';

/** JSON-safe records: strings with any Unicode (multi-byte UTF-8, lone surrogates), numbers, nesting. */
const safeString = fc.string({ unit: 'binary', maxLength: 300 });
const recordArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)),
  fc.oneof(safeString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(safeString, { maxLength: 5 })),
  { maxKeys: 8 },
);

const envelopeArb = (i: number): fc.Arbitrary<Envelope> =>
  fc.record({ record: recordArb, t: fc.integer({ min: -1e12, max: 4e12 }) }).map(({ record, t }) => ({
    eventId: `e-${i}`,
    eventTime: t,
    pipeline: 'iot-sensors',
    source: { messageId: `m-${i}`, publishTime: 0, attributes: {}, format: 'json' as const },
    record,
    ingestTime: 1,
  }));

const envelopesArb = fc.integer({ min: 1, max: 60 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => envelopeArb(i))));

/** Normalises values the way JSON does (-0 → 0), for comparing decoded output. */
const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('EventBundleBuilder', () => {
  it('never exceeds the cap, loses nothing, and reports too_large exactly for items that fit no bundle', () => {
    fc.assert(
      fc.property(envelopesArb, fc.integer({ min: 200, max: 6000 }), fc.integer({ min: 1, max: 20 }), (envelopes, maxBytes, maxRecords) => {
        const b = new EventBundleBuilder('iot-sensors', { maxBytes, maxRecords });
        const emptyFrame = b.bytes;
        const flushed: Envelope[] = [];
        const rejected: Envelope[] = [];
        const take = (): void => {
          const out = b.flush();
          if (!out) return;
          expect(out.bytes).toBe(Buffer.byteLength(out.data, 'utf8'));
          expect(out.bytes).toBeLessThanOrEqual(maxBytes);
          expect(out.count).toBeLessThanOrEqual(maxRecords);
          const decoded = decodeEventBundle(out.data);
          expect(decoded.envelopes.map((e) => e.eventId)).toEqual(out.eventIds);
          flushed.push(...decoded.envelopes);
        };
        for (const env of envelopes) {
          let r = b.add(env);
          if (!r.added && r.reason === 'full') {
            take();
            r = b.add(env);
          }
          if (!r.added) {
            expect(r.reason).toBe('too_large');
            // Independent check: it really cannot fit alone.
            expect(emptyFrame + Buffer.byteLength(JSON.stringify(env), 'utf8')).toBeGreaterThan(maxBytes);
            rejected.push(env);
          }
        }
        take();
        expect(b.isEmpty).toBe(true);
        expect(flushed).toEqual(viaJson(envelopes.filter((e) => !rejected.includes(e))));
      }),
      { numRuns: 200 },
    );
  });

  it('packs greedily: a bundle is flushed as full only when the next item would not fit', () => {
    fc.assert(
      fc.property(envelopesArb, fc.integer({ min: 400, max: 4000 }), (envelopes, maxBytes) => {
        const b = new EventBundleBuilder('iot-sensors', { maxBytes, maxRecords: 1000 });
        for (const env of envelopes) {
          const before = b.bytes;
          const r = b.add(env);
          if (!r.added && r.reason === 'full') {
            expect(before + 1 + Buffer.byteLength(JSON.stringify(env), 'utf8')).toBeGreaterThan(maxBytes);
            b.flush();
            b.add(env);
          }
        }
      }),
    );
  });

  it('rejects a cap smaller than its own frame', () => {
    expect(() => new EventBundleBuilder('iot-sensors', { maxBytes: 10 })).toThrow(/above the frame/);
  });
});

describe('KeyedBundleBuilder', () => {
  const recordsArb = fc.array(
    fc.record({ key: safeString, t: fc.integer({ min: -1e12, max: 4e12 }), value: recordArb }),
    { minLength: 1, maxLength: 80 },
  );

  it('never exceeds the cap; bundle id and ordering key are deterministic', () => {
    fc.assert(
      fc.property(recordsArb, fc.integer({ min: 300, max: 5000 }), (rows, maxBytes) => {
        const b = new KeyedBundleBuilder('clickstream', 'user_sessions', 5, { maxBytes, maxRecords: 50 });
        const seen: KeyedRecord[] = [];
        const take = (): void => {
          const out = b.flush();
          if (!out) return;
          expect(out.bytes).toBe(Buffer.byteLength(out.data, 'utf8'));
          expect(out.bytes).toBeLessThanOrEqual(maxBytes);
          const decoded = decodeKeyedMessage(out.data);
          expect(decoded.kind).toBe('bundle');
          if (decoded.kind !== 'bundle') return;
          expect(decoded).toMatchObject({ aggregation: 'user_sessions', partition: 5, bundleId: bundleIdOf(out.eventIds) });
          expect(out.orderingKey).toBe('user_sessions/5');
          seen.push(...decoded.records);
        };
        const added: KeyedRecord[] = [];
        rows.forEach((row, i) => {
          const rec: KeyedRecord = { eventId: `ev-${i}`, key: row.key, eventTime: row.t, value: row.value };
          let r = b.add(rec);
          if (!r.added && r.reason === 'full') {
            take();
            r = b.add(rec);
          }
          if (r.added) added.push(rec);
        });
        take();
        expect(seen).toEqual(viaJson(added));
      }),
      { numRuns: 150 },
    );
  });
});

describe('push size arithmetic', () => {
  it('the default cap stays under the 512 KiB event limit once base64-encoded for push', () => {
    expect(pushBodyBytes(DEFAULT_BUNDLE_MAX_BYTES)).toBeLessThan(MAX_EVENT_PAYLOAD_BYTES);
    expect(DEFAULT_BUNDLE_MAX_BYTES).toBeLessThanOrEqual(maxDataBytesForPush());
  });
  it('base64Length matches Buffer for every small size', () => {
    for (let n = 0; n < 200; n++) expect(base64Length(n)).toBe(Buffer.alloc(n).toString('base64').length);
  });
  it('maxDataBytesForPush is the largest size that fits', () => {
    const max = maxDataBytesForPush();
    expect(pushBodyBytes(max)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    expect(pushBodyBytes(max + 3)).toBeGreaterThan(MAX_EVENT_PAYLOAD_BYTES);
  });
});
