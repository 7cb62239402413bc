import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../shared/core/duration';
import { SpecError } from '../../../shared/core/errors';
import type { DurationInput } from '../../../shared/core/spec';

describe('parseDuration', () => {
  it.each<[DurationInput, number]>([
    [0, 0],
    [1500, 1500],
    ['0', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    [' 10s ', 10_000],
    [{ minutes: 5 }, 300_000],
    [{ hours: 1, seconds: 2, millis: 3 }, 3_602_003],
    [{ days: 1 }, 86_400_000],
  ])('parses %j as %i ms', (input, ms) => {
    expect(parseDuration(input, 'd')).toBe(ms);
  });

  it.each<[unknown, RegExp]>([
    [-1, /whole number of milliseconds ≥ 0/],
    [1.5, /whole number of milliseconds/],
    [Number.POSITIVE_INFINITY, /duration/],
    ['', /empty string/],
    ['5 minutes', /'5m'/],
    ['5x', /duration/],
    ['m', /duration/],
    ['0.0001s', /whole number of milliseconds/],
    [{}, /empty object/],
    [{ weeks: 1 }, /unknown field 'weeks'/],
    [{ minutes: -1 }, /finite number ≥ 0/],
    [null, /duration/],
    [[5], /duration/],
  ])('rejects %j with the rule', (input, rule) => {
    expect(() => parseDuration(input as DurationInput, 'window.size')).toThrow(SpecError);
    expect(() => parseDuration(input as DurationInput, 'window.size')).toThrow(rule);
    try {
      parseDuration(input as DurationInput, 'window.size');
    } catch (e) {
      expect((e as SpecError).path.startsWith('window.size')).toBe(true);
    }
  });

  it('formats durations back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0ms');
    expect(parseDuration(formatDuration(90_061_001), 'x')).toBe(90_061_001);
  });
});
