import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../shared/core/errors';
import { MIN_TIMESTAMP } from '../../../shared/core/time';
import {
  advanceWatermark,
  combineWatermarks,
  initialWatermarkState,
  isIdle,
  observeEvents,
  watermarkPolicy,
  type WatermarkState,
} from '../../../shared/core/watermark';

const policy = watermarkPolicy({ maxOutOfOrderness: '5s', idleTimeout: '1m' });

describe('watermark estimator', () => {
  it('starts at the beginning of time and trails the max event time by the out-of-orderness bound', () => {
    let s = initialWatermarkState();
    expect(s.watermark).toBe(MIN_TIMESTAMP);
    s = observeEvents(policy, s, 100_000, 1_000);
    expect(s.watermark).toBe(95_000);
    s = observeEvents(policy, s, 90_000, 2_000); // an out-of-order bundle does not move it back
    expect(s.watermark).toBe(95_000);
    expect(s.maxEventTime).toBe(100_000);
    s = observeEvents(policy, s, 130_000, 3_000);
    expect(s.watermark).toBe(125_000);
  });

  it('advances with processing time only after the idle timeout, relative to the last event', () => {
    let s = observeEvents(policy, initialWatermarkState(), 100_000, 1_000_000);
    expect(isIdle(policy, s, 1_059_999)).toBe(false);
    expect(advanceWatermark(policy, s, 1_059_999).watermark).toBe(95_000);
    expect(isIdle(policy, s, 1_060_000)).toBe(true);
    expect(advanceWatermark(policy, s, 1_060_000).watermark).toBe(95_000);
    s = advanceWatermark(policy, s, 1_070_000);
    expect(s.watermark).toBe(105_000);
    // a new event resets idleness; the watermark does not fall back to maxEventTime - bound
    s = observeEvents(policy, s, 101_000, 1_071_000);
    expect(s.watermark).toBe(105_000);
  });

  it('is monotonic under any sequence of observations and advances', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ event: fc.option(fc.integer({ min: 0, max: 1e9 })), dp: fc.integer({ min: -1000, max: 100_000 }) })),
        (steps) => {
          let s = initialWatermarkState();
          let p = 0;
          let last = s.watermark;
          for (const step of steps) {
            p += step.dp; // processing time may even regress; the watermark must not
            s = step.event === null ? advanceWatermark(policy, s, p) : observeEvents(policy, s, step.event, p);
            expect(s.watermark).toBeGreaterThanOrEqual(last);
            if (s.maxEventTime !== null && !isIdle(policy, s, p)) expect(s.watermark).toBeLessThanOrEqual(Math.max(last, s.maxEventTime - 5_000));
            last = s.watermark;
          }
        },
      ),
    );
  });

  it('validates its durations', () => {
    expect(() => watermarkPolicy({ maxOutOfOrderness: -1, idleTimeout: '1m' })).toThrow(SpecError);
    expect(() => watermarkPolicy({ maxOutOfOrderness: '5s', idleTimeout: 'x' }, 'wm')).toThrow(/wm\.idleTimeout/);
  });
});

describe('combineWatermarks', () => {
  const at = (maxEventTime: number, lastEventAt: number): WatermarkState =>
    observeEvents(policy, initialWatermarkState(), maxEventTime, lastEventAt);

  it('takes the minimum over active partitions and excludes idle ones', () => {
    const p = 1_000_000;
    const parts = [at(100_000, p), at(200_000, p), at(50_000, p - 120_000) /* idle */];
    expect(combineWatermarks(policy, parts, p)).toBe(95_000);
  });

  it('uses the idle-advanced estimates when every partition is idle, and ignores partitions without data', () => {
    const p = 1_000_000;
    const parts = [at(100_000, p - 70_000), at(200_000, p - 200_000), initialWatermarkState()];
    // first: 95_000 + (70_000 - 60_000); second: 195_000 + 140_000
    expect(combineWatermarks(policy, parts, p)).toBe(105_000);
    expect(combineWatermarks(policy, [initialWatermarkState()], p)).toBe(MIN_TIMESTAMP);
  });

  it('never goes below the previous combined watermark', () => {
    expect(combineWatermarks(policy, [at(10_000, 0)], 1, 50_000)).toBe(50_000);
  });
});
