import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFormatOf, messagesFromCsv, messagesFromEvents, messagesFromNdjson, publishMessages, type ProducerMessage } from '../../../cli/publish';
import { FakePublisher } from '../../../shared/ports/publisher';

const ev = (i: number) => ({ payload: JSON.stringify({ i }), attributes: { event_id: `e${i}` } });
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));

describe('messagesFromEvents', () => {
  it('sends single events as JSON with their attributes', () => {
    const msgs = [...messagesFromEvents([ev(1), ev(2)], 1)];
    expect(msgs).toEqual([
      { data: '{"i":1}', attributes: { event_id: 'e1', 'sluice-format': 'json' }, events: 1 },
      { data: '{"i":2}', attributes: { event_id: 'e2', 'sluice-format': 'json' }, events: 1 },
    ]);
  });

  it('packs N events per NDJSON message, the last one holding the rest', () => {
    const events = Array.from({ length: 7 }, (_, i) => ev(i));
    const msgs = [...messagesFromEvents(events, 3)];
    expect(msgs.map((m) => m.events)).toEqual([3, 3, 1]);
    expect(msgs.every((m) => m.attributes['sluice-format'] === 'ndjson')).toBe(true);
    expect(msgs.flatMap((m) => m.data.split('\n'))).toEqual(events.map((e) => e.payload));
  });

  it('refuses a batch below 1', () => {
    expect(() => [...messagesFromEvents([ev(1)], 0)]).toThrow(/--batch must be a whole number ≥ 1/);
  });
});

describe('file sources', () => {
  it('tells the format from the extension, or asks for --format', () => {
    expect(fileFormatOf('a/b.CSV')).toBe('csv');
    expect(fileFormatOf('x.jsonl')).toBe('ndjson');
    expect(() => fileFormatOf('x.txt')).toThrow(/--format/);
  });

  it('reads NDJSON lines (blank lines skipped) into batches', async () => {
    const file = join(dir, 'a.ndjson');
    writeFileSync(file, '{"a":1}\n\n{"a":2}\r\n{"a":3}\n');
    const msgs = await collect(messagesFromNdjson(file, 2));
    expect(msgs.map((m) => [m.data, m.events])).toEqual([
      ['{"a":1}\n{"a":2}', 2],
      ['{"a":3}', 1],
    ]);
  });

  it('sends CSV as the header plus up to N rows per message, keeping quoted line breaks', async () => {
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'id,note\n1,plain\n2,"two\nlines"\n3,"with, comma"\n');
    const msgs: ProducerMessage[] = await collect(messagesFromCsv(file, 2));
    expect(msgs).toEqual([
      { data: 'id,note\n1,plain\n2,"two\nlines"', attributes: { 'sluice-format': 'csv' }, events: 2 },
      { data: 'id,note\n3,"with, comma"', attributes: { 'sluice-format': 'csv' }, events: 1 },
    ]);
  });
});

/** A fake clock whose sleep advances time. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps, advance: (ms: number) => (t += ms) };
}

describe('publishMessages', () => {
  const msgs = (sizes: number[]): ProducerMessage[] => sizes.map((n, i) => ({ data: `m${i}`, attributes: { k: String(i) }, events: n }));

  it('publishes every message, in order, with its attributes, and counts events', async () => {
    const p = new FakePublisher();
    const r = await publishMessages(p, 'raw', msgs([1, 5, 2]));
    expect(p.published.map((m) => [m.topic, m.data.toString(), m.attributes])).toEqual([
      ['raw', 'm0', { k: '0' }],
      ['raw', 'm1', { k: '1' }],
      ['raw', 'm2', { k: '2' }],
    ]);
    expect(r).toMatchObject({ messages: 3, events: 8 });
  });

  it('paces by events: after k events at least k / rate seconds have passed', async () => {
    const time = fakeTime();
    const p = new FakePublisher();
    // 10 events/s; messages of 5, 5, 10, 1 events are due at 0, 0.5, 1.0 and 2.0 s.
    await publishMessages(p, 'raw', msgs([5, 5, 10, 1]), { ratePerSec: 10, now: time.now, sleep: time.sleep });
    expect(time.sleeps).toEqual([500, 500, 1000]);
    expect(time.now()).toBe(2000);
  });

  it('rejects after the first failure, saying how much was accepted, without dropping in-flight results', async () => {
    const p = new FakePublisher();
    p.failNext(new Error('boom'));
    await expect(publishMessages(p, 'raw', msgs([1, 1]), { maxInFlight: 1 })).rejects.toThrow(/failed after 0 messages \(0 events\) were accepted: boom/);
  });

  it('refuses a rate that is not positive', async () => {
    await expect(publishMessages(new FakePublisher(), 'raw', msgs([1]), { ratePerSec: 0 })).rejects.toThrow(/--rate must be > 0/);
  });
});
