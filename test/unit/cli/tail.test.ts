import { describe, expect, it } from 'vitest';
import { aggregationsToTail, formatWindow, PaneTail, paneLine, parseSince, timestampMs } from '../../../cli/tail';
import { getPipeline } from '../../../pipelines';
import { topologyFor } from '../../../shared/topology';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const agg = getPipeline('iot-sensors').aggregations[0]!;
const iso = (ms: number) => new Date(ms).toISOString();

describe('sluice tail formatting', () => {
  it.each([
    ['10m', NOW - 600_000],
    ['2h', NOW - 7_200_000],
    ['0s', NOW],
    ['2026-01-01T11:30:00Z', Date.UTC(2026, 0, 1, 11, 30)],
    ['2025-12-31', Date.UTC(2025, 11, 31)],
  ])('--since %s', (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it.each(['yesterday', '10 minutes', '-5m', '12:00'])('--since %s is refused with the rule', (text) => {
    expect(() => parseSince(text, NOW)).toThrow(/--since must be an ISO time .* or a duration back from now/);
  });

  it('windows are half-open; the end date only when it differs; NULL bounds are the global window', () => {
    expect(formatWindow(Date.UTC(2026, 0, 1, 10, 0), Date.UTC(2026, 0, 1, 10, 1))).toBe('[2026-01-01 10:00:00, 10:01:00)');
    expect(formatWindow(Date.UTC(2026, 0, 1, 23, 59), Date.UTC(2026, 0, 2, 0, 0))).toBe('[2026-01-01 23:59:00, 2026-01-02 00:00:00)');
    expect(formatWindow(null, null)).toBe('global window');
  });

  it('a pane line carries key, window, timing, index and every measure', () => {
    const row = {
      pane_id: 'p1',
      key: 'dev-3',
      window_start: { value: '2026-01-01T10:00:00.000Z' },
      window_end: { value: '2026-01-01T10:01:00.000Z' },
      pane_timing: 'ON_TIME',
      pane_index: 2,
      is_last: false,
      fired_at: { value: '2026-01-01T10:01:31.000Z' },
      readings: 12,
      temperature_mean: 21.123456789,
      temperature_min: 19.5,
      temperature_max: 23,
      temperature_quantiles: [20, 23],
      humidity_mean: null,
    };
    expect(paneLine(row, agg)).toBe(
      '10:01:31  device_minute  dev-3  [2026-01-01 10:00:00, 10:01:00)  ON_TIME #2  readings=12 temperature_mean=21.1235 temperature_min=19.5 temperature_max=23 temperature_quantiles=[20,23] humidity_mean=NULL',
    );
    expect(paneLine({ ...row, pane_timing: 'LATE', pane_index: 3, is_last: true }, agg)).toContain('LATE    #3 last');
  });

  it('--aggregation must name one of the pipeline’s', () => {
    expect(aggregationsToTail([agg], undefined)).toEqual([agg]);
    expect(aggregationsToTail([agg], 'device_minute')).toEqual([agg]);
    expect(() => aggregationsToTail([agg], 'nope')).toThrow(/--aggregation must name an aggregation of the pipeline \(device_minute\); got nope/);
  });
});

describe('PaneTail', () => {
  const topology = topologyFor(getPipeline('iot-sensors'), { project: 'sluice-test', region: 'europe-west1', env: 'local' });
  const row = (id: string, firedMs: number) => ({ pane_id: id, fired_at: { value: iso(firedMs) } });
  const tailFrom = (since: number, lookbackMs = 60_000) => new PaneTail(undefined as never, topology, agg, since, { maxBytes: 1000, lookbackMs });

  it('queries the panes table from the look-back behind the cursor', () => {
    const t = tailFrom(NOW);
    expect(t.sql()).toBe(`SELECT * FROM \`sluice-test.${topology.dataset.id}.device_minute_panes\` WHERE fired_at >= TIMESTAMP('${iso(NOW - 60_000)}') ORDER BY fired_at, pane_id`);
    t.accept([row('a', NOW + 5000)]);
    expect(t.sql()).toContain(`TIMESTAMP('${iso(NOW + 5000 - 60_000)}')`);
  });

  it('prints each pane once, nothing before --since, and panes that land late within the look-back', () => {
    // A stream of polls, each seeing the table as it is then (rows accumulate; some land late,
    // some are inserted twice). Reference: every pane id with fired_at ≥ since, exactly once.
    const t = tailFrom(NOW, 30_000);
    const table: Array<ReturnType<typeof row>> = [];
    const printed: string[] = [];
    const poll = () => {
      const from = timestampMs(/TIMESTAMP\('([^']+)'\)/.exec(t.sql())![1])!;
      const visible = table.filter((r) => timestampMs(r.fired_at)! >= from).sort((a, b) => timestampMs(a.fired_at)! - timestampMs(b.fired_at)!);
      printed.push(...t.accept(visible).map((r) => String(r.pane_id)));
    };
    table.push(row('old', NOW - 10_000), row('a', NOW + 1000), row('b', NOW + 2000));
    poll();
    table.push(row('b', NOW + 2000), row('c', NOW + 10_000));
    poll();
    table.push(row('late', NOW + 5000)); // fired before c, landed after it was printed
    poll();
    poll();
    table.push(row('d', NOW + 50_000), row('d', NOW + 50_000));
    poll();
    expect(printed).toEqual(['a', 'b', 'c', 'late', 'd']);
  });
});
