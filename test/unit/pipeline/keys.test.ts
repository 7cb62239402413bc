import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../shared/core/hash';
import { decodeKey, encodeKey, getPath, keyedValueOf, keyOf, measureFields, projectFields } from '../../../shared/pipeline';

describe('encodeKey / decodeKey', () => {
  it('round-trips the string forms of any scalar key values', () => {
    const scalar = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 5 }), (values) => {
        expect(decodeKey(encodeKey(values), values.length)).toEqual(values.map(String));
      }),
    );
  });

  it('gives distinct keys for distinct value tuples (no separator ambiguity)', () => {
    expect(encodeKey(['a|b', 'c'])).not.toBe(encodeKey(['a', 'b|c']));
    expect(encodeKey(['a", "b'])).not.toBe(encodeKey(['a', 'b']));
    expect(encodeKey(['device-7'])).toBe('device-7');
    expect(encodeKey([42])).toBe(encodeKey(['42']));
  });

  it('rejects keys that were not encoded for that many fields', () => {
    expect(() => decodeKey('plain', 2)).toThrow(/JSON array of strings/);
    expect(() => decodeKey('["a"]', 2)).toThrow(/JSON array of 2 strings/);
    expect(() => decodeKey('["a", 1]', 2)).toThrow(/JSON array of 2 strings/);
  });
});

describe('keyOf', () => {
  it.each<[unknown, string[], string | undefined]>([
    [{ d: 'dev-1' }, ['d'], 'dev-1'],
    [{ d: 7 }, ['d'], '7'],
    [{ d: true, geo: { c: 'fr' } }, ['geo.c', 'd'], '["fr","true"]'],
    [{ d: null }, ['d'], undefined],
    [{ d: { x: 1 } }, ['d'], undefined],
    [{ d: [1] }, ['d'], undefined],
    [{ d: Number.NaN }, ['d'], undefined],
    [{}, ['d'], undefined],
    [{ d: 'x' }, ['d', 'missing'], undefined],
    [{}, ['constructor'], undefined],
    [{}, ['toString'], undefined],
  ])('%j by %j → %s', (record, fields, expected) => {
    expect(keyOf(record, fields)).toBe(expected);
  });

  it('agrees with partitionOf on the encoded key (one place for the partition rule)', () => {
    const key = keyOf({ user: 'u-1' }, ['user'])!;
    expect(partitionOf(key, 8)).toBe(partitionOf('u-1', 8));
  });
});

describe('projectFields / keyedValueOf', () => {
  const record = { a: 1, b: { c: 2, d: { e: 3 } }, f: 'x', g: null };

  it('keeps only the requested paths, with their nesting, and skips absent ones', () => {
    expect(projectFields(record, ['b.d.e', 'a', 'missing', 'b.c', 'g'])).toEqual({ a: 1, b: { c: 2, d: { e: 3 } }, g: null });
    expect(projectFields(record, [])).toEqual({});
  });

  it('matches a naive reference: every projected path reads the same value as the record', () => {
    const paths = ['a', 'b', 'b.c', 'b.d', 'b.d.e', 'f', 'g', 'zz', 'b.zz'];
    fc.assert(
      fc.property(fc.subarray(paths), (chosen) => {
        const out = projectFields(record, chosen);
        for (const p of chosen) expect(getPath(out, p)).toEqual(getPath(record, p));
      }),
    );
  });

  it('projects the fields an aggregation measures', () => {
    const agg = {
      measures: [
        { name: 'n', kind: 'count' as const },
        { name: 'm', kind: 'mean' as const, field: 'b.c' },
        { name: 'x', kind: 'max' as const, field: 'b.c' },
        { name: 'u', kind: 'approxDistinct' as const, field: 'f' },
      ],
    };
    expect(measureFields(agg)).toEqual(['b.c', 'f']);
    expect(keyedValueOf(record, agg)).toEqual({ b: { c: 2 }, f: 'x' });
  });
});
