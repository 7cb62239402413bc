import { describe, expect, it } from 'vitest';
import { compileRecordSchema, validateRecord } from '../../../../shared/stages/transform';
import type { JsonSchema } from '../../../../shared/pipeline';

const schema: JsonSchema = {
  type: 'object',
  required: ['id', 'n'],
  properties: {
    id: { type: 'string', minLength: 1 },
    n: { type: 'number' },
    k: { type: 'integer' },
    ok: { type: 'boolean' },
    at: { type: 'string', format: 'date-time' },
    opt: { type: ['string', 'null'] },
    kind: { enum: ['a', 'b'] },
    geo: { type: 'object', properties: { lat: { type: 'number' } } },
  },
};
const validate = compileRecordSchema(schema);
const check = (r: Record<string, unknown>) => validateRecord(validate, r, schema);

describe('validateRecord', () => {
  it('coerces a copy (CSV strings become numbers and booleans) and leaves the input alone', () => {
    const input = { id: 'x', n: '2.5', k: '3', ok: 'true', geo: { lat: '1.5' } };
    const r = check(input);
    expect(r).toEqual({ ok: true, record: { id: 'x', n: 2.5, k: 3, ok: true, geo: { lat: 1.5 } } });
    expect(input.n).toBe('2.5');
  });

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ n: 1 }, 'schema:required', /^id: required/],
    [{ id: 'x', n: 'abc' }, 'schema:type', /^n: /],
    [{ id: 'x', n: 1, k: 1.5 }, 'schema:type', /^k: /],
    [{ id: '', n: 1 }, 'schema:minLength', /^id: /],
    [{ id: 'x', n: 1, at: '2026-13-01T00:00:00Z' }, 'schema:format', /^at: /],
    [{ id: 'x', n: 1, kind: 'c' }, 'schema:enum', /^kind: /],
    [{ id: 'x', n: null }, 'schema:type', /^n: must be number; got null/],
    [{ id: 'x', n: 1, geo: { lat: null } }, 'schema:type', /^geo\.lat: must be number; got null/],
  ])('%j fails with %s', (record, reason, message) => {
    const r = check(record);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message).toMatch(message);
    }
  });

  it('a null the schema admits passes', () => {
    expect(check({ id: 'x', n: 1, opt: null }).ok).toBe(true);
  });
});
