import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functionName, secondsDuration, serviceAccountId } from '../../infra/names';

const ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

describe('serviceAccountId', () => {
  it('keeps a valid readable base as is', () => {
    expect(serviceAccountId('sluice-iot-ingest')).toBe('sluice-iot-ingest');
  });
  it.each(['ab', 'sluice-clickstream-window-aggregator', '9-Sluice_Ingest!', '---', ''])('always yields a valid id for %j', (base) => {
    expect(serviceAccountId(base)).toMatch(ACCOUNT_ID);
  });
  it('always yields a valid id (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (base) => ACCOUNT_ID.test(serviceAccountId(base))));
  });
  it('keeps long names that share a 23-char head apart', () => {
    const a = serviceAccountId('sluice-clickstream-window-aggregator');
    const b = serviceAccountId('sluice-clickstream-window-aggregatos');
    expect(a).not.toBe(b);
  });
});

describe('functionName', () => {
  it('shortens long names with a stable hash, within 49 chars', () => {
    const long = 'sluice-a-very-long-pipeline-name-that-goes-on-and-on-window-aggregator';
    expect(functionName(long)).toBe(functionName(long));
    expect(functionName(long).length).toBeLessThanOrEqual(49);
    expect(functionName(long)).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  });
});

describe('secondsDuration', () => {
  it.each([[0, '0s'], [10, '10s'], [0.25, '0.250s']])('%d → %s', (s, d) => expect(secondsDuration(s)).toBe(d));
  it('rejects negative and non-finite', () => {
    expect(() => secondsDuration(-1)).toThrow(/≥ 0/);
    expect(() => secondsDuration(Number.NaN)).toThrow(/finite/);
  });
});
