import { describe, expect, it } from 'vitest';
import { countDifferences, DATAFLOW_MONTHLY_MIN_USD, naiveSessions, usdPerMillion, ZERO } from '../../../bench/e2e-model';
import type { GeneratedEvent } from '../../../pipelines/generators';

const S = 1000;

function ev(eventId: string, device: string, t: number, temperature: number, kind: GeneratedEvent['kind'] = 'valid'): GeneratedEvent {
  const record = { reading_id: eventId, device_id: device, temperature_c: temperature };
  return { seq: 0, kind, eventId, eventTimeMs: t, key: device, record, payload: JSON.stringify(record), attributes: {} } as GeneratedEvent;
}

describe('bench:e2e cost model', () => {
  it('prices each counted operation at the list price, per million events', () => {
    // 2 M events: every line is half of what the counts cost.
    const c = usdPerMillion({
      events: 2e6,
      producerBilledBytes: 2e9, // 2 M messages at the 1,000-byte minimum
      ops: { ...ZERO, invocations: 4e6, firestoreReads: 2e5, firestoreWrites: 2e5, firestoreDeletes: 2e5, bqBilledBytes: 400e6, gcsWrites: 2000 },
    });
    const line = Object.fromEntries(c.lines);
    expect(line['function invocations']).toBeCloseTo(0.8, 9); // $0.40 per million invocations
    expect(line['Pub/Sub throughput (publish + delivery, 1 KB min)']).toBeCloseTo((2 * 2e9 * 40) / 2 ** 40 / 2, 9); // $40/TiB, billed at publish and at delivery
    expect(line['Firestore reads']).toBeCloseTo(0.03, 9); // $0.03 per 100k
    expect(line['Firestore writes']).toBeCloseTo(0.09, 9); // $0.09 per 100k
    expect(line['Firestore deletes']).toBeCloseTo(0.01, 9); // $0.01 per 100k
    expect(line['BigQuery streaming inserts (1 KB/row min)']).toBeCloseTo((400e6 / (200 * 2 ** 20)) * 0.01 / 2, 9); // $0.01 per 200 MB (binary, as BigQuery counts)
    expect(line['GCS writes (class A)']).toBeCloseTo(0.005, 9); // $0.005 per 1,000
    expect(c.total).toBeCloseTo(c.lines.reduce((s, [, v]) => s + v, 0), 12);
  });

  it('puts the Dataflow streaming minimum at one n1-standard-2 worker plus its disk for a month', () => {
    // 730 h × (2 vCPU × $0.069 + 7.5 GB × $0.003557) + 30 GB × $0.04
    expect(DATAFLOW_MONTHLY_MIN_USD).toBeCloseTo(121.41, 1);
  });
});

describe('bench:e2e sessions reference', () => {
  it('merges per key in event-time order, counts each event id once and leaves out invalid and excluded events', () => {
    const events = [
      ev('a3', 'A', 30 * S, 3), // arrives first; bridges a1 and a2 once sorted
      ev('a1', 'A', 0, 1),
      ev('a2', 'A', 15 * S, 2),
      ev('a2', 'A', 15 * S, 2, 'duplicate'),
      ev('a4', 'A', 80 * S, 4), // 30 s after the session's end: a new session
      ev('b1', 'B', 0, 10),
      ev('bx', 'B', 5 * S, 99, 'invalid'),
      ev('b2', 'B', 10 * S, 20), // excluded (reported late by the pipeline)
    ];
    const got = naiveSessions(events, 20 * S, new Set(['b2']));
    expect([...got.entries()].sort()).toEqual([
      ['A|0', { key: 'A', windowStart: 0, windowEnd: 50 * S, count: 3, measures: { readings: 3, temperature_sum: 6 } }],
      ['A|80000', { key: 'A', windowStart: 80 * S, windowEnd: 100 * S, count: 1, measures: { readings: 1, temperature_sum: 4 } }],
      ['B|0', { key: 'B', windowStart: 0, windowEnd: 20 * S, count: 1, measures: { readings: 1, temperature_sum: 10 } }],
    ]);
  });
});

describe('countDifferences (bench:e2e, bench:faults)', () => {
  const w = (key: string, start: number, count: number) => ({ key, windowStart: start, windowEnd: start + 60 * S, count, measures: { readings: count } });
  it('counts records missing, records over, windows only one side has, and names the differing windows', () => {
    const want = new Map([
      ['a|0', w('a', 0, 3)],
      ['b|0', w('b', 0, 2)],
      ['c|0', w('c', 0, 1)],
    ]);
    const got = new Map([
      ['a|0', w('a', 0, 3)],
      ['b|0', w('b', 0, 4)],
      ['d|0', w('d', 0, 5)],
    ]);
    expect(countDifferences(got, want)).toEqual({ lost: 1, duplicated: 7, differing: ['b|0', 'c|0', 'd|0'] });
    expect(countDifferences(want, want)).toEqual({ lost: 0, duplicated: 0, differing: [] });
  });
});
