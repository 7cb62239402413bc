import { describe, expect, it } from 'vitest';
import { archivePrefixes, checkRange, flushTimeOf, listArchiveObjects, parseIsoTime, recordsIn, replayArchive, republished } from '../../../cli/replay';
import { getPipeline } from '../../../pipelines';
import { FakeClock } from '../../../shared/ports/clock';
import { FakeObjectStore } from '../../../shared/ports/object-store';
import { FakePublisher } from '../../../shared/ports/publisher';
import { archiveLineOf, RawArchiver, type RawMessage } from '../../../shared/stages/ingest';

const H = 3_600_000;
const T = Date.UTC(2026, 0, 1, 22, 0, 0);

/** Archive objects written by ingest's own archiver at the given flush times. */
async function archiveAt(times: number[], perObject: number): Promise<{ store: FakeObjectStore; written: Array<{ t: number; messages: RawMessage[] }> }> {
  const store = new FakeObjectStore();
  const clock = new FakeClock(times[0]!);
  let n = 0;
  const archiver = new RawArchiver({ store, bucket: 'raw', clock, maxDelayMs: 0, maxItems: 10_000, maxBytes: 1 << 24, newFlushId: () => `f${n}` });
  const written: Array<{ t: number; messages: RawMessage[] }> = [];
  for (const t of times) {
    clock.advance(t - clock.now());
    const messages: RawMessage[] = [];
    for (let i = 0; i < perObject; i++, n++) {
      const payload = i % 3 === 2 ? `{"device_id":"d${n}","measured_at":"2026-01-01T00:00:00Z","temperature_c":1}\n{"device_id":"e${n}","measured_at":"2026-01-01T00:00:00Z","temperature_c":2}` : `{"device_id":"d${n}","temperature_c":${n}}`;
      messages.push({ messageId: `m${n}`, publishTime: t - 5, attributes: i % 3 === 2 ? { 'sluice-format': 'ndjson' } : { k: String(n) }, data: Buffer.from(payload) });
    }
    if (n % 4 === 0) messages.push({ messageId: `bin${n}`, publishTime: t, attributes: {}, data: Buffer.from([0xff, 0xfe, 0x00, 0x41]) });
    await Promise.all([archiver.add(messages.map(archiveLineOf)), archiver.drain()]);
    written.push({ t, messages });
  }
  return { store, written };
}

describe('sluice replay: selecting the archive', () => {
  it.each([
    [T, T + H, ['dt=2026-01-01/hour=22/']],
    [T + 1, T + H + 1, ['dt=2026-01-01/hour=22/', 'dt=2026-01-01/hour=23/']],
    [T + 30 * 60_000, T + 3 * H, ['dt=2026-01-01/hour=22/', 'dt=2026-01-01/hour=23/', 'dt=2026-01-02/hour=00/']],
  ])('prefixes of [%i, %i)', (from, to, expected) => {
    expect(archivePrefixes(from, to)).toEqual(expected);
  });

  it('long ranges list per day', () => {
    expect(archivePrefixes(T, T + 4 * 24 * H)).toEqual(['dt=2026-01-01/', 'dt=2026-01-02/', 'dt=2026-01-03/', 'dt=2026-01-04/', 'dt=2026-01-05/']);
  });

  it('flush times come from the object name; anything else is not an archive object', () => {
    expect(flushTimeOf('dt=2026-01-01/hour=22/1767304800000-5e1d.ndjson.gz')).toBe(1767304800000);
    expect(flushTimeOf('dt=2026-01-01/hour=22/notes.txt')).toBeUndefined();
  });

  it('refuses bad times and empty ranges with the rule', () => {
    expect(parseIsoTime('2026-01-01T10:00:00Z', '--from')).toBe(Date.UTC(2026, 0, 1, 10));
    expect(() => parseIsoTime('10:00', '--from')).toThrow(/--from must be an ISO time/);
    expect(() => checkRange(T, T)).toThrow(/--from must be before --to/);
  });

  it('lists exactly the objects flushed in [from, to), oldest first', async () => {
    const times = [T - 1, T, T + 10 * 60_000, T + H - 1, T + H, T + 2 * H + 5];
    const { store } = await archiveAt(times, 2);
    const got = await listArchiveObjects(store, 'raw', T, T + H);
    expect(got.map((o) => flushTimeOf(o.name))).toEqual(times.filter((t) => t >= T && t < T + H));
  });
});

describe('sluice replay: republishing', () => {
  it('publishes exactly the archived messages (payload bytes and attributes), in archive order, and sums them', async () => {
    const times = [T - H, T + 1000, T + 2000, T + H + 1];
    const { store, written } = await archiveAt(times, 5);
    const objects = await listArchiveObjects(store, 'raw', T, T + 2 * H);
    const publisher = new FakePublisher();
    const pipeline = getPipeline('iot-sensors');
    let clock = 0;
    const progress: number[] = [];
    const s = await replayArchive({ store, publisher, bucket: 'raw', topic: 'raw-topic', objects, definition: pipeline, publishBatch: 2, elapsedMs: () => (clock += 250), onProgress: (p) => progress.push(p.messages) });

    const expected = written.filter((w) => w.t >= T).flatMap((w) => w.messages);
    const sent = publisher.on('raw-topic');
    // Payload and attributes as archived, plus the original publish time for ingest's event-time fallback.
    expect(sent.map((m) => ({ data: Buffer.from(m.data).toString('hex'), attributes: m.attributes }))).toEqual(
      expected.map((m) => ({ data: Buffer.from(m.data).toString('hex'), attributes: { ...m.attributes, 'sluice-original-publish-time': String(m.publishTime) } })),
    );
    // Naive counts: lines of each text payload (ndjson lines, one JSON object) or one for the rest.
    const events = expected.reduce((n, m) => n + (m.attributes['sluice-format'] === 'ndjson' ? Buffer.from(m.data).toString('utf8').split('\n').length : 1), 0);
    expect(s).toMatchObject({ objects: 3, messages: expected.length, events, bytes: expected.reduce((n, m) => n + m.data.byteLength, 0) });
    expect(s.archiveBytes).toBe(objects.reduce((n, o) => n + o.size, 0));
    expect(s.seconds).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(expected.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('a replayed message replayed again keeps its first original publish time', () => {
    const first: RawMessage = { messageId: 'a', publishTime: T, attributes: { k: 'v' }, data: Buffer.from('{}') };
    const once = republished(first);
    // Archived again by ingest on replay, with the replay's own (later) publish time.
    const again = republished({ messageId: 'b', publishTime: T + H, attributes: once.attributes ?? {}, data: Buffer.from('{}') });
    expect(again.attributes).toEqual({ k: 'v', 'sluice-original-publish-time': String(T) });
  });

  it('counts records as ingest decodes them', () => {
    const pipeline = getPipeline('iot-sensors');
    const m = (data: string, attributes: Record<string, string> = {}): RawMessage => ({ messageId: 'x', publishTime: T, attributes, data: Buffer.from(data) });
    expect(recordsIn(m('[{"a":1},{"a":2},{"a":3}]'), pipeline)).toBe(3);
    expect(recordsIn(m('{"a":1}\n{"a":2}', { 'sluice-format': 'ndjson' }), pipeline)).toBe(2);
    expect(recordsIn(m('not json at all'), pipeline)).toBe(1);
  });
});
