import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../../shared/core/hash';
import { decodeKeyedMessage, type KeyedBundle } from '../../../../shared/messages';
import { FakePublisher, type OutboundMessage, type Publisher } from '../../../../shared/ports';
import { KeyedPublisher, type PartitionedRecord } from '../../../../shared/stages/transform';

const rec = (aggregation: string, key: string, P: number, i: number): PartitionedRecord => ({
  aggregation,
  partition: partitionOf(key, P),
  record: { eventId: `e-${i}`, key, eventTime: 1000 + i, value: { v: i } },
});

const decode = (m: OutboundMessage) => decodeKeyedMessage(m.data) as KeyedBundle;

describe('KeyedPublisher', () => {
  it('bundles per (aggregation, partition) in record order; each bundle is under the caps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.string({ minLength: 1, maxLength: 12 })), { maxLength: 120 }),
        fc.integer({ min: 1, max: 7 }),
        (items, maxRecords) => {
          const records = items.map(([agg, key], i) => rec(agg, key, agg === 'a' ? 4 : 3, i));
          const kp = new KeyedPublisher({ publisher: new FakePublisher(), topic: 't', pipeline: 'pipe-one', limits: { maxRecords, maxBytes: 4096 } });
          const out = kp.bundle(records);
          // Reference: the records of each ordering key, in input order.
          const expected = new Map<string, string[]>();
          for (const r of records) {
            const k = `${r.aggregation}/${r.partition}`;
            expected.set(k, [...(expected.get(k) ?? []), r.record.eventId]);
          }
          const actual = new Map<string, string[]>();
          for (const [k, msgs] of out) {
            for (const m of msgs) {
              const b = decode(m);
              expect(m.orderingKey).toBe(k);
              expect(`${b.aggregation}/${b.partition}`).toBe(k);
              expect(b.records.length).toBeLessThanOrEqual(maxRecords);
              expect(m.data.length).toBeLessThanOrEqual(4096);
              expect(m.attributes).toMatchObject({ 'sluice-kind': 'bundle', 'sluice-aggregation': b.aggregation, 'sluice-partition': String(b.partition), 'sluice-bundle-id': b.bundleId });
              actual.set(k, [...(actual.get(k) ?? []), ...b.records.map((r) => r.eventId)]);
            }
          }
          expect(actual).toEqual(expected);
        },
      ),
    );
  });

  it('keeps per-partition publish order across overlapping flushes: never two publishes in flight for a partition', async () => {
    const log: string[] = [];
    const inFlight = new Map<string, number>();
    const gates: (() => void)[] = [];
    const publisher: Publisher = {
      publish: async (_topic, messages) => {
        const m = messages[0]!;
        const k = m.orderingKey!;
        inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
        expect(inFlight.get(k)).toBe(1);
        log.push(`${k}:${decode(m).records.map((r) => r.eventId).join('+')}`);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight.set(k, inFlight.get(k)! - 1);
        return ['id'];
      },
    };
    const kp = new KeyedPublisher({ publisher, topic: 't', pipeline: 'pipe-one' });
    const r = (i: number, p: number): PartitionedRecord => ({ aggregation: 'a', partition: p, record: { eventId: `e${i}`, key: `k${p}`, eventTime: i, value: {} } });
    const first = kp.publish([r(1, 0), r(2, 1)]);
    const second = kp.publish([r(3, 0), r(4, 2)]);
    const third = kp.publish([r(5, 0)]);
    const tick = () => new Promise((res) => setImmediate(res));
    await tick();
    // Partition 0's second and third bundles wait; partitions 1 and 2 go at once.
    expect(log).toEqual(['a/0:e1', 'a/1:e2', 'a/2:e4']);
    while (gates.length > 0) {
      gates.shift()!();
      await tick();
      await tick();
    }
    await Promise.all([first, second, third]);
    expect(log.filter((l) => l.startsWith('a/0'))).toEqual(['a/0:e1', 'a/0:e3', 'a/0:e5']);
  });

  it('a failed publish rejects its flush but does not block the partition for the next one', async () => {
    const publisher = new FakePublisher();
    publisher.failNext(new Error('unavailable'));
    const kp = new KeyedPublisher({ publisher, topic: 't', pipeline: 'pipe-one' });
    const r = (i: number): PartitionedRecord => ({ aggregation: 'a', partition: 0, record: { eventId: `e${i}`, key: 'k', eventTime: i, value: {} } });
    await expect(kp.publish([r(1)])).rejects.toThrow('unavailable');
    const result = await kp.publish([r(2)]);
    expect(result).toEqual({ bundles: 1, records: 1, bytes: publisher.published[0]!.data.length });
    expect((decodeKeyedMessage(publisher.published[0]!.data) as KeyedBundle).records[0]!.eventId).toBe('e2');
  });
});
