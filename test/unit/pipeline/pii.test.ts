import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyPii, hashValue, maskValue, PII_REDACTED, redactPii } from '../../../shared/pipeline';

describe('maskValue', () => {
  it.each<[string, Parameters<typeof maskValue>[1], string]>([
    ['secret', 'full', '******'],
    ['héllo✓', 'full', '******'],
    ['4111111111111111', 'keepLast4', '************1111'],
    ['1234', 'keepLast4', '****'],
    ['ada@example.com', 'emailDomain', '***@example.com'],
    ['a@b@example.org', 'emailDomain', '***@example.org'],
    ['not-an-email', 'emailDomain', '************'],
    ['@example.com', 'emailDomain', '************'],
    ['203.0.113.77', 'ipPrefix', '203.0.113.0'],
    [' 10.1.2.3 ', 'ipPrefix', '10.1.2.0'],
    ['256.1.1.1', 'ipPrefix', '*********'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'ipPrefix', '2001:db8:85a3::'],
    ['2001:db8::1', 'ipPrefix', '2001:db8:0::'],
    ['::1', 'ipPrefix', '0:0:0::'],
    ['fe80::1::2', 'ipPrefix', '**********'],
    ['localhost', 'ipPrefix', '*********'],
  ])('%j with %s → %j', (value, strategy, expected) => {
    expect(maskValue(value, strategy)).toBe(expected);
  });
});

describe('hashValue', () => {
  it('is HMAC-SHA-256 of the string form, so the same user keys the same way', () => {
    const expected = createHmac('sha256', 'k1').update('ada@example.com').digest('hex');
    expect(hashValue('ada@example.com', 'k1')).toBe(expected);
    expect(hashValue(42, 'k1')).toBe(hashValue('42', 'k1'));
    expect(hashValue('ada@example.com', 'k2')).not.toBe(expected);
  });
});

describe('applyPii', () => {
  const record = { email: 'ada@example.com', ip: '203.0.113.77', user: { ssn: '123-45-6789', name: 'Ada' }, phone: null, n: 5 };
  const keys: Record<string, string> = { 'pii-key': 'k1' };

  it('applies each rule to a copy and leaves the input untouched', () => {
    const out = applyPii(
      record,
      [
        { field: 'email', action: 'hash', key: { secret: 'pii-key' } },
        { field: 'ip', action: 'mask', strategy: 'ipPrefix' },
        { field: 'user.ssn', action: 'drop' },
        { field: 'phone', action: 'hash', key: { secret: 'pii-key' } },
        { field: 'missing.deep', action: 'drop' },
      ],
      (id) => keys[id]!,
    );
    expect(out).toEqual({ email: hashValue('ada@example.com', 'k1'), ip: '203.0.113.0', user: { name: 'Ada' }, phone: null, n: 5 });
    expect(record.user.ssn).toBe('123-45-6789');
    expect(record.email).toBe('ada@example.com');
  });

  it('asks for each key by secret id', () => {
    const asked: string[] = [];
    applyPii(record, [{ field: 'email', action: 'hash', key: { secret: 'pii-key' } }], (id) => {
      asked.push(id);
      return 'k';
    });
    expect(asked).toEqual(['pii-key']);
  });
});

describe('redactPii (no hashing key at hand)', () => {
  it('masks and drops like applyPii, puts a marker where a hash would go, and leaves the input untouched', () => {
    const record = { email: 'ada@example.com', ip: '203.0.113.77', user: { ssn: '123-45-6789', name: 'Ada' }, tags: ['a'] };
    const out = redactPii(record, [
      { field: 'email', action: 'hash', key: { secret: 'pii-key' } },
      { field: 'ip', action: 'mask', strategy: 'ipPrefix' },
      { field: 'user.ssn', action: 'drop' },
      { field: 'tags', action: 'hash', key: { secret: 'pii-key' } },
    ]);
    expect(out).toEqual({ email: PII_REDACTED, ip: '203.0.113.0', user: { name: 'Ada' } });
    expect(record.email).toBe('ada@example.com');
    expect(JSON.stringify(out)).not.toContain('ada@');
  });
});
