import { describe, expect, it } from 'vitest';
import { outputRecordSchema, resolveField, schemaAfterPii, type RecordSchema } from '../../../shared/pipeline';

const schema: RecordSchema = {
  type: 'object',
  required: ['email', 'ip'],
  properties: {
    email: { type: 'string' },
    phone: { type: ['integer', 'null'] },
    ip: { type: 'string' },
    user: { type: 'object', required: ['ssn'], properties: { ssn: { type: 'string' }, age: { type: 'integer' } } },
  },
};

describe('schemaAfterPii', () => {
  it('drops dropped fields (also from required), makes hashed and masked fields strings, keeps nullability', () => {
    const out = schemaAfterPii(schema, [
      { field: 'email', action: 'hash', key: { secret: 'k' } },
      { field: 'phone', action: 'hash', key: { secret: 'k' } },
      { field: 'ip', action: 'drop' },
      { field: 'user.ssn', action: 'drop' },
    ]);
    expect(out.properties.email).toEqual({ type: 'string' });
    expect(out.properties.phone).toEqual({ type: ['string', 'null'] });
    expect(out.properties.ip).toBeUndefined();
    expect(out.required).toEqual(['email']);
    expect(resolveField(out, 'user.ssn')).toBeUndefined();
    expect(out.properties.user!.required).toEqual([]);
    expect(resolveField(out, 'user.age')).toEqual({ type: 'integer' });
    expect(schema.properties.ip).toEqual({ type: 'string' });
  });
});

describe('outputRecordSchema', () => {
  it('adds enrichment objects (nullable) and derived fields after PII', () => {
    const out = outputRecordSchema({
      schema,
      pii: [{ field: 'ip', action: 'mask', strategy: 'ipPrefix' }],
      enrichment: [
        {
          name: 'geo',
          source: { kind: 'bigquery', query: 'SELECT 1' },
          recordField: 'ip',
          sideField: 'ip',
          into: 'geo',
          fields: { country: { type: 'string' } },
          ttl: '1h',
          onMissing: 'keep',
        },
      ],
      derivedFields: { score: { type: 'number' } },
    });
    expect(out.properties.geo).toEqual({ type: ['object', 'null'], properties: { country: { type: 'string' } } });
    expect(resolveField(out, 'geo.country')).toEqual({ type: 'string' });
    expect(out.properties.score).toEqual({ type: 'number' });
    expect(Object.keys(out.properties)).toEqual(['email', 'phone', 'ip', 'user', 'geo', 'score']);
  });

  it('resolves only declared, own properties', () => {
    expect(resolveField(schema, 'user.age')).toEqual({ type: 'integer' });
    expect(resolveField(schema, 'user.age.x')).toBeUndefined();
    expect(resolveField(schema, 'constructor')).toBeUndefined();
  });
});
