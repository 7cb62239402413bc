import { describe, expect, it } from 'vitest';
import { countLines, type DemoCounts } from '../../../emulators/demo-summary';

/** The counts of a 2,000-event iot-sensors demo: 60 duplicates, all of them in `events`. */
const counts = (patch: Partial<DemoCounts> = {}): DemoCounts => ({
  published: 2000,
  messages: 20,
  generated: { valid: 1860, duplicate: 60, late: 40, invalid: 40, uniqueClean: 1900 },
  eventsRows: 1960,
  distinctEventIds: 1900,
  deadLetterByReason: { 'transform/schema:type': 25, 'ingest/invalid_json': 10, 'transform/expectation:temperature_range': 5 },
  latePanes: 3,
  lateRecords: 12,
  panes: 250,
  windows: 200,
  ...patch,
});

const line = (lines: string[], label: string): string | undefined => lines.find((l) => l.startsWith(`  ${label}:`));

describe('demo counts', () => {
  it('says what each table holds: events with its duplicates, events_dedup one row per event id', () => {
    expect(countLines(counts())).toEqual([
      'counts',
      '  published:        2000 events in 20 messages (1860 valid, 60 duplicates, 40 late, 40 invalid)',
      '  events rows:      1960 (append-only: duplicate publishes and redeliveries included)',
      '  distinct events:  1900 event ids, the rows of events_dedup (expected 1900)',
      '  dead-lettered:    40 (expected 40 invalid)',
      '    transform/schema:type: 25',
      '    ingest/invalid_json: 10',
      '    transform/expectation:temperature_range: 5',
      '  duplicates:       60 published twice: in events, removed by events_dedup (events holds 60 rows beyond the distinct ids)',
      '  accounting:       published 2000 = 1900 distinct clean + 40 dead-lettered + 60 duplicates',
      '  late:             3 late panes (late records within allowed lateness), 12 records beyond allowed lateness (late_data)',
      '  panes:            250 fired for 200 windows',
    ]);
  });

  it('never calls the events rows "clean + …" and its accounting terms add up to what was published', () => {
    const lines = countLines(counts());
    expect(lines.join('\n')).not.toMatch(/clean rows|duplicates dropped/);
    const [published, ...terms] = [...line(lines, 'accounting')!.matchAll(/\d+/g)].map((m) => Number(m[0]));
    expect(terms.reduce((s, n) => s + n, 0)).toBe(published);
  });

  it('shows redeliveries as rows beyond the distinct ids without changing the accounting', () => {
    const lines = countLines(counts({ eventsRows: 1963 }));
    expect(line(lines, 'duplicates')).toMatch(/events holds 63 rows beyond the distinct ids/);
    expect(line(lines, 'accounting')).toBe('  accounting:       published 2000 = 1900 distinct clean + 40 dead-lettered + 60 duplicates');
  });

  it.each([
    [{ distinctEventIds: 1895 }, 'published 2000 ≠ 1895 distinct clean + 40 dead-lettered + 60 duplicates (= 1995): 5 unaccounted for'],
    [{ deadLetterByReason: { 'ingest/invalid_json': 42 } }, 'published 2000 ≠ 1900 distinct clean + 42 dead-lettered + 60 duplicates (= 2002): 2 more than published'],
  ])('says by how much the accounting is off when it does not add up (%o)', (patch, want) => {
    expect(line(countLines(counts(patch)), 'accounting')).toBe(`  accounting:       ${want}`);
  });
});
