import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../shared/core/errors';
import { assertJsonDepth, deadLetterOf, decodeDeadLetter, encodeDeadLetter, guardValue, parseJsonGuarded, sanitizeAttributes } from '../../../shared/messages';

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof DecodeError ? `${e.reason}: ${e.message}` : `other: ${String(e)}`;
  }
  return undefined;
};

/** Naive reference: nesting depth of a parsed value (top-level container = 1). */
const depthOf = (v: unknown): number =>
  typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;

describe('assertJsonDepth', () => {
  it('agrees with the parsed depth for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, max) => {
        const text = JSON.stringify(value);
        const tooDeep = depthOf(value) > max;
        expect(reasonOf(() => assertJsonDepth(text, max))?.startsWith('too_deep') ?? false).toBe(tooDeep);
      }),
    );
  });
  it('ignores brackets and escaped quotes inside strings', () => {
    expect(() => assertJsonDepth(JSON.stringify({ s: '[[[[\\"{{{{' }), 2)).not.toThrow();
  });
});

describe('guardValue', () => {
  it('names the path of the offence, quoting odd keys', () => {
    const v = JSON.parse('{"a":[{"b c":{"__proto__":1}}]}');
    expect(reasonOf(() => guardValue(v, {}, 'envelopes[0].record'))).toBe(
      `hostile_key: envelopes[0].record.a[0]["b c"]: key '__proto__' is not allowed (prototype-pollution guard)`,
    );
  });
  it('checks depth even when it was not scanned first', () => {
    expect(reasonOf(() => guardValue([[[1]]], { maxDepth: 2 }))).toMatch(/^too_deep: \[0\]\[0\]: nests deeper than 2/);
  });
  it('accepts anything within limits and without hostile keys', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const hostile = JSON.stringify(value).match(/"(__proto__|constructor|prototype)":/);
        if (hostile) return;
        expect(() => guardValue(value)).not.toThrow();
      }),
    );
  });
});

describe('parseJsonGuarded', () => {
  it('never pollutes Object.prototype', () => {
    for (const text of ['{"__proto__":{"polluted":1}}', '{"a":{"constructor":{"prototype":{"polluted":1}}}}']) {
      expect(reasonOf(() => parseJsonGuarded(text))).toMatch(/^hostile_key/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('counts bytes, not characters, against maxBytes', () => {
    expect(reasonOf(() => parseJsonGuarded('"ééé"', { maxBytes: 7 }))).toMatch(/^too_large: payload of 8 bytes exceeds 7/);
    expect(parseJsonGuarded('"ééé"', { maxBytes: 8 })).toBe('ééé');
  });
  it('says why JSON is invalid without quoting the payload (a dead letter may have to withhold it)', () => {
    for (const text of ['{"email": "ada@example.com" oops}', 'ada@example.com', '{"email": "ada@example.com",']) {
      const reason = reasonOf(() => parseJsonGuarded(text));
      expect(reason).toMatch(/^invalid_json: payload is not valid JSON: \S/);
      expect(reason).not.toContain('ada@');
    }
  });
  it('rejects a UTF-8 BOM-less overlong encoding and lone continuation bytes', () => {
    expect(reasonOf(() => parseJsonGuarded(new Uint8Array([0x22, 0xc0, 0xaf, 0x22])))).toMatch(/^invalid_utf8/);
    expect(reasonOf(() => parseJsonGuarded(new Uint8Array([0x22, 0x80, 0x22])))).toMatch(/^invalid_utf8/);
  });
});

describe('sanitizeAttributes', () => {
  it('renames keys the guards reject and drops non-strings, so dead letters stay decodable', () => {
    const attrs = JSON.parse('{"__proto__":"a","constructor":"b","ok":"c","n":1}') as Record<string, unknown>;
    const clean = sanitizeAttributes(attrs);
    expect(clean).toEqual({ ___proto__: 'a', _constructor: 'b', ok: 'c' });
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    const d = deadLetterOf({ stage: 'ingest', reason: 'r', message: 'm', raw: 'x', attributes: attrs as Record<string, string>, attempt: 1, at: 0 });
    expect(decodeDeadLetter(encodeDeadLetter(d)).attributes).toEqual(clean);
  });
});
