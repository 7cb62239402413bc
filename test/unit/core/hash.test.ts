import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf, sha256Hex } from '../../../shared/core/hash';

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('matches the published FNV-1a test vector for %j', (input, expected) => {
    expect(fnv1a32(input)).toBe(expected);
  });
});

describe('sha256Hex', () => {
  it('matches the published vector for "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('partitionOf', () => {
  it('is stable and within range', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionOf(`device-${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionOf(`device-${i}`, 7)).toBe(p);
    }
  });
  it('spreads keys over all partitions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(partitionOf(`user-${i}`, 8));
    expect(seen.size).toBe(8);
  });
  it.each([0, -1, 1.5, Number.NaN])('rejects %p partitions with the rule', (p) => {
    expect(() => partitionOf('k', p)).toThrow(/whole number ≥ 1/);
  });
});
