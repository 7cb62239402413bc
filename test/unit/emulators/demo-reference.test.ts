import { describe, expect, it } from 'vitest';
import { naiveFixedWindows, reportedLateButOnTime } from '../../../emulators/demo';
import { getPipeline } from '../../../pipelines';
import { generateEvents, type GeneratedEvent } from '../../../pipelines/generators';

const MIN = 60_000;

describe('demo reference checks', () => {
  it('accepts a late event reported late even when duplicates of it follow; flags on-time events', () => {
    // The stream the clickstream demo generated when this was found: ev-7-697 is late and re-sent twice.
    const events = generateEvents('clickstream', { seed: 7, count: 2000, startMs: Date.UTC(2026, 0, 1), spacingMs: 100, duplicateRate: 0.03, lateRate: 0.02, invalidRate: 0.02 });
    const lateWithDuplicates = events.filter((e) => e.kind === 'late' && events.some((d) => d.kind === 'duplicate' && d.eventId === e.eventId));
    expect(lateWithDuplicates.length).toBeGreaterThan(0);
    const onTime = events.find((e) => e.kind === 'valid')!;
    expect(reportedLateButOnTime(events, [...lateWithDuplicates.map((e) => e.eventId), onTime.eventId])).toEqual([onTime.eventId]);
  });

  it('counts sliding windows per key once per event id, leaving out whole events and single windows reported late', () => {
    const p = getPipeline('clickstream'); // page_traffic: sliding 5m every 1m, views = count, keyed by page
    const ev = (eventId: string, page: string, t: number, kind: GeneratedEvent['kind'] = 'valid'): GeneratedEvent => {
      const record = { page, user_email: 'u@example.com' };
      return { seq: 0, kind, eventId, eventTimeMs: t, key: page, record, payload: JSON.stringify(record), attributes: {} };
    };
    const T = Date.UTC(2026, 0, 1, 10, 0);
    const events = [ev('a', '/x', T + 30_000), ev('a', '/x', T + 30_000, 'duplicate'), ev('b', '/x', T + 90_000), ev('c', '/y', T), ev('d', '/y', T, 'invalid')];
    const got = naiveFixedWindows(p, 'page_traffic', events, new Set(['c', `b|${T - 3 * MIN}`]));
    const count = (page: string, start: number): number | undefined => got.get(`${page}|${start}`)?.count;
    // 'a' at 10:00:30 is in the five windows starting 09:56 … 10:00; 'b' at 10:01:30 in 09:57 … 10:01, except 09:57 (reported late there).
    expect([-4, -3, -2, -1, 0, 1].map((m) => count('/x', T + m * MIN))).toEqual([1, 1, 2, 2, 2, 1]);
    expect(got.get(`/x|${T}`)?.windowEnd).toBe(T + 5 * MIN);
    expect([...got.keys()].some((k) => k.startsWith('/y|'))).toBe(false);
  });
});
