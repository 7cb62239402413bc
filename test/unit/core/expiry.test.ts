import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wallClockExpiry } from '../../../shared/core';

const LATEST = 253_402_300_799_999;
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const base = { retentionMs: WEEK, marginMs: HOUR, latestMs: LATEST };

describe('wallClockExpiry', () => {
  it.each<[string, number | null, number, number, number | null]>([
    ['horizon already passed: retention + margin from now', 1_000, 5_000, 10_000, 10_000 + WEEK + HOUR],
    ['events 150 minutes old (a backlog): still retention + margin from now, not the event-time horizon', 10_000 - 150 * 60_000 + 11 * 60_000, 10_000 - 150 * 60_000, 10_000, 10_000 + WEEK + HOUR],
    ['horizon further than retention: mapped to wall clock', 2 * WEEK, 0, 10_000, 10_000 + 2 * WEEK],
    ['global window: never', null, 0, 10_000, null],
  ])('%s', (_, horizon, watermark, now, want) => {
    expect(wallClockExpiry({ ...base, horizon, watermark, now })).toBe(want);
  });

  it('caps at the latest time the store can hold (a watermark not yet estimated)', () => {
    expect(wallClockExpiry({ ...base, horizon: 0, watermark: -8_640_000_000_000_000, now: 0 })).toBe(LATEST);
  });

  it('never expires before a redelivery can arrive or the watermark (moving at most with the wall clock) can pass the horizon', () => {
    const t = fc.integer({ min: -1e13, max: 1e13 });
    fc.assert(
      fc.property(t, t, fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e10 }), fc.integer({ min: 0, max: 4e9 }), (horizon, watermark, now, retentionMs, marginMs) => {
        const e = wallClockExpiry({ horizon, watermark, now, retentionMs, marginMs, latestMs: LATEST })!;
        expect(e).toBeGreaterThanOrEqual(now + retentionMs + marginMs);
        expect(e).toBeGreaterThanOrEqual(now + horizon - watermark);
        // The earliest moment satisfying both, not later.
        expect(e).toBe(now + Math.max(retentionMs + marginMs, horizon - watermark));
        // Later writes never shorten a document's life.
        expect(wallClockExpiry({ horizon, watermark, now: now + 1, retentionMs, marginMs, latestMs: LATEST })!).toBeGreaterThan(e);
      }),
    );
  });
});
