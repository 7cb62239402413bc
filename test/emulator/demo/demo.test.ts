/**
 * `npm run demo` end to end on a small stream: the latest pane per window equals the naive
 * reference, every event is accounted for (published = distinct clean events + dead-lettered +
 * duplicates) and duplicates are not counted twice by the windows. Slow (the watermark's idle advance runs in real time).
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../emulators/demo';

describe('demo', () => {
  it('iot-sensors: results match the naive reference and every event is accounted for', async () => {
    const lines: string[] = [];
    const r = await runDemo({ pipeline: 'iot-sensors', count: 400, seed: 11, print: (l) => lines.push(l) });
    expect(r.mismatches).toEqual([]);
    expect(r.match).toBe(true);
    expect(lines).toContain('results match reference: yes');
    const g = r.generated;
    expect(r.published).toBe(400);
    expect(g.duplicate).toBeGreaterThan(0);
    expect(g.invalid).toBeGreaterThan(0);
    expect(g.late).toBeGreaterThan(0);
    // Every distinct clean event is in events (and events_dedup), every invalid one was dead-lettered;
    // duplicates are in events too (append-only), beside their originals.
    expect(r.distinctEventIds).toBe(g.uniqueClean);
    expect(r.deadLettered).toBe(g.invalid);
    expect(r.published).toBe(r.distinctEventIds + r.deadLettered + g.duplicate);
    expect(r.eventsRows).toBeGreaterThanOrEqual(r.distinctEventIds);
    expect(lines).toContain(`  accounting:       published 400 = ${r.distinctEventIds} distinct clean + ${r.deadLettered} dead-lettered + ${g.duplicate} duplicates`);
    // Duplicates are not double-counted by the windows.
    expect(r.recordsCounted).toBe(g.uniqueClean - r.lateRecords);
    expect(r.panes).toBeGreaterThanOrEqual(r.windows);
  }, 480_000);
});
