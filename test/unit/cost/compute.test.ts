import { describe, expect, it } from 'vitest';
import { billableInstanceSeconds, billedMs, billedRequestMs, expectedCeilDiv } from '../../../shared/cost';

describe('Cloud Run billing increments', () => {
  it('rounds every request UP to the next 100 ms', () => {
    expect(billedMs(101)).toBe(200); // 101 ms bills two increments
    expect(billedMs(100)).toBe(100); // exactly one increment
    expect(billedMs(1)).toBe(100);
    expect(billedMs(65)).toBe(100); // the measured 65 ms mean bills 100 ms
    expect(billedMs(0)).toBe(0);
    expect(() => billedMs(-1)).toThrow(RangeError);
  });

  it('rounds each request on its own, not the sum', () => {
    // 3 × 34 ms = 102 ms in all, but each bills 100 ms: 300 ms, not 200 ms
    expect(billedRequestMs([34, 34, 34])).toBe(300);
    // 101 + 250 + 99 → 200 + 300 + 100 = 600
    expect(billedRequestMs([101, 250, 99])).toBe(600);
  });
});

describe('instance time shared by concurrency', () => {
  it('is the sum of billed durations at concurrency 1', () => {
    // 1,000 requests × 200 ms billed = 200 s, whatever the period
    expect(billableInstanceSeconds(200_000, 1, 3600)).toBe(200);
    expect(billableInstanceSeconds(0, 80, 3600)).toBe(0);
  });

  it('matches the closed form for concurrency 2: E⌈N/2⌉ = (L + P(N odd)) / 2, P(N odd) = (1 − e^−2L) / 2', () => {
    // L = 1 (1,000 s of requests over 1,000 s): E⌈N/2⌉ = (1 + (1 − e^−2)/2) / 2 = (1 + 0.432332…) / 2 = 0.716166…
    expect(expectedCeilDiv(1, 2)).toBeCloseTo(0.7161661791908468, 12);
    expect(billableInstanceSeconds(1_000_000, 2, 1000)).toBeCloseTo(716.1661791908468, 8);
    // L = 0.25: (0.25 + (1 − e^−0.5)/2) / 2 = (0.25 + 0.196734…) / 2 = 0.223367…
    expect(expectedCeilDiv(0.25, 2)).toBeCloseTo((0.25 + (1 - Math.exp(-0.5)) / 2) / 2, 12);
  });

  it('shares nothing when requests rarely overlap, and tends to Σ/c under load', () => {
    // Sparse: L = 0.001 at concurrency 80 → ≈ P(N ≥ 1) = 1 − e^−0.001 ≈ 0.0009995: the full Σ is billed
    const sparse = billableInstanceSeconds(2_592_000, 80, 2_592_000); // Σ = 2,592,000 ms = 2,592 s over 30 days = 2,592,000 s
    expect(sparse / 2592).toBeGreaterThan(0.999);
    // Loaded: L = 400 in flight at concurrency 4 → (−N mod 4) ≈ uniform on 0..3, E⌈N/4⌉ ≈ (400 + 1.5) / 4 = 100.375
    expect(expectedCeilDiv(400, 4)).toBeCloseTo(100.375, 3);
    // Between the bounds: ≥ Σ/c and ≥ T(1 − e^−L); ≤ Σ
    for (const [L, c] of [
      [0.3, 4],
      [2, 8],
      [37, 32],
      [5000, 80],
    ] as const) {
      const e = expectedCeilDiv(L, c);
      expect(e).toBeGreaterThanOrEqual(L / c - 1e-12);
      expect(e).toBeGreaterThanOrEqual(1 - Math.exp(-L) - 1e-12);
      expect(e).toBeLessThanOrEqual(L + 1e-12);
    }
  });

  it('is non-decreasing in the load', () => {
    let prev = 0;
    for (let L = 0; L <= 300; L += 0.37) {
      const e = expectedCeilDiv(L, 32);
      expect(e).toBeGreaterThanOrEqual(prev - 1e-12);
      prev = e;
    }
  });

  it('refuses impossible inputs', () => {
    expect(() => billableInstanceSeconds(-1, 1, 10)).toThrow(RangeError);
    expect(() => billableInstanceSeconds(1, 0, 10)).toThrow(RangeError);
    expect(() => billableInstanceSeconds(1, 1.5, 10)).toThrow(RangeError);
    expect(() => billableInstanceSeconds(1, 1, 0)).toThrow(RangeError);
  });
});
