import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../shared/core/errors';
import { decodeDeadLetter, decodeEventBundle } from '../../../../shared/messages';
import type { OutboundMessage } from '../../../../shared/ports';
import { getPipeline } from '../../../../pipelines';
import { fileDocId, type IngestDefinition } from '../../../../shared/stages/ingest';
import { FILES_TOPIC, iot, orders, pushEvent, reading, setup } from './fixtures';

function notification(object: string, generation: string, extra: Record<string, unknown> = {}, attributes: Record<string, string> = {}) {
  return pushEvent(
    JSON.stringify({ kind: 'storage#object', bucket: 'landing', name: object, generation, ...extra }),
    { bucketId: 'landing', objectId: object, objectGeneration: generation, eventType: 'OBJECT_FINALIZE', payloadFormat: 'JSON_API_V1', ...attributes },
    FILES_TOPIC,
  );
}

const rows = Array.from({ length: 25 }, (_, i) => reading(i));
const ndjson = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const csv = ['reading_id,device_id,measured_at,temperature_c', ...rows.map((r) => [r.reading_id, r.device_id, r.measured_at, r.temperature_c].join(','))].join('\n');
const asStrings = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));

function envelopesOn(publisher: ReturnType<typeof setup>['publisher']) {
  return publisher.on('events').flatMap((m) => decodeEventBundle(m.data).envelopes);
}

describe('ingest batch path', () => {
  it('a landed NDJSON file and the same data as CSV yield the same ids, times and (stringified) records', async () => {
    const a = setup();
    const b = setup();
    await a.store.write('landing', 'in/readings.ndjson', Buffer.from(ndjson));
    await b.store.write('landing', 'in/readings.csv', Buffer.from(csv));
    const ra = await a.handler(notification('in/readings.ndjson', '1'));
    const rb = await b.handler(notification('in/readings.csv', '1'));
    expect([ra, rb].map((r) => r.path === 'file' && [r.outcome, r.recordsIn, r.published, r.deadLettered])).toEqual([
      ['done', 25, 25, 0],
      ['done', 25, 25, 0],
    ]);
    const ea = envelopesOn(a.publisher);
    const eb = envelopesOn(b.publisher);
    expect(ea.map((e) => [e.eventId, e.eventTime, asStrings(e.record)])).toEqual(eb.map((e) => [e.eventId, e.eventTime, e.record]));
    expect(ea.map((e) => e.eventTime)).toEqual(rows.map((r) => Date.parse(r.measured_at)));
    expect(ea[3]!.source).toMatchObject({ format: 'ndjson', object: { bucket: 'landing', name: 'in/readings.ndjson', generation: '1', index: 3 } });
    expect(eb[3]!.source.format).toBe('csv');
  });

  it('reads gzip by its magic bytes, with or without a .gz name, and JSON-array files', async () => {
    const { store, publisher, handler } = setup();
    await store.write('landing', 'a.ndjson.gz', gzipSync(ndjson));
    await store.write('landing', 'b.ndjson', gzipSync(ndjson));
    await store.write('landing', 'c.json', Buffer.from(JSON.stringify(rows)));
    for (const name of ['a.ndjson.gz', 'b.ndjson', 'c.json']) await handler(notification(name, '7'));
    const ids = envelopesOn(publisher).map((e) => e.eventId);
    expect(ids).toEqual([...rows, ...rows, ...rows].map((r) => r.reading_id));
  });

  it('chunks a file into bundles under the cap, in order, each a deterministic chunk', async () => {
    const maxBytes = 3000;
    const { store, publisher, handler } = setup(iot, { bundle: { maxBytes } });
    await store.write('landing', 'big.ndjson', Buffer.from(ndjson));
    const r = await handler(notification('big.ndjson', '1'));
    const msgs = publisher.on('events');
    expect(msgs.length).toBeGreaterThan(3);
    expect(r).toMatchObject({ chunks: msgs.length, published: 25 });
    expect(msgs.every((m) => m.data.length <= maxBytes)).toBe(true);
    expect(msgs.map((m) => m.attributes!['sluice-chunk'])).toEqual(msgs.map((_, i) => String(i)));
    expect(envelopesOn(publisher).map((e) => e.record)).toEqual(rows);
  });

  it('publishes once when the same notification (or a duplicate of it) is delivered again; a new generation is a new file', async () => {
    const { store, publisher, handler } = setup();
    await store.write('landing', 'x.ndjson', Buffer.from(ndjson));
    const first = notification('x.ndjson', '5');
    await handler(first);
    const count = publisher.on('events').length;
    expect(await handler(first)).toMatchObject({ path: 'file', outcome: 'duplicate', published: 0 });
    expect(await handler(notification('x.ndjson', '5'))).toMatchObject({ outcome: 'duplicate' });
    expect(publisher.on('events').length).toBe(count);
    expect(handler.totals).toMatchObject({ files: 1, filesDuplicate: 2 });
    await handler(notification('x.ndjson', '6'));
    expect(publisher.on('events').length).toBe(2 * count);
  });

  it.each([1, 4])('resumes a large file where it left off after a failure (publish window %i)', async (publishWindow) => {
    const maxBytes = 2000;
    const clean = setup(iot, { bundle: { maxBytes } });
    await clean.store.write('landing', 'f.ndjson', Buffer.from(ndjson));
    const event = notification('f.ndjson', '3');
    await clean.handler(event);
    const reference = clean.publisher.on('events').map((m) => m.data.toString());

    const { store, publisher, handler, state, clock } = setup(iot, { bundle: { maxBytes }, publishWindow });
    await store.write('landing', 'f.ndjson', Buffer.from(ndjson));
    const inner = publisher.publish.bind(publisher);
    let calls = 0;
    publisher.publish = (topic: string, messages: OutboundMessage[]) => (++calls === 3 ? Promise.reject(new Error('DEADLINE_EXCEEDED')) : inner(topic, messages));
    await expect(handler(event)).rejects.toThrow('DEADLINE_EXCEEDED');
    const [progress] = await state.getAll([`pipelines/x/files/${fileDocId('landing', 'f.ndjson', '3')}`]);
    expect(progress).toMatchObject({ chunksPublished: 2, done: false });
    const beforeResume = publisher.on('events').length;
    clock.advance(1000);
    const r = await handler(event);
    expect(r).toMatchObject({ outcome: 'done', chunksSkipped: 2 });
    expect(r.path === 'file' && r.recordsIn).toBe(25);
    expect(r.path === 'file' && r.published + r.deadLettered + r.recordsSkipped).toBe(25);
    // The same bundles, byte for byte, as a run that never failed (ingest time is the first attempt's):
    // chunks in flight when the failure hit may go out twice, identical; none is missing.
    const got = publisher.on('events').map((m) => m.data.toString());
    expect([...new Set(got)].sort()).toEqual([...reference].sort());
    if (publishWindow === 1) expect(got).toEqual(reference);
    expect(got.length - beforeResume).toBe(reference.length - 2);
  });

  it('leaves a file another delivery holds to that delivery (transient: Pub/Sub redelivers later)', async () => {
    const { store, state, handler, clock } = setup();
    await store.write('landing', 'held.ndjson', Buffer.from(ndjson));
    await state.transaction(async (tx) => {
      tx.set(`pipelines/x/files/${fileDocId('landing', 'held.ndjson', '1')}`, { owner: 'someone-else', leaseUntil: clock.now() + 60_000, done: false, chunksPublished: 0 });
    });
    await expect(handler(notification('held.ndjson', '1'))).rejects.toBeInstanceOf(TransientError);
  });

  it('dead-letters the bad rows of a file and sends the good ones on (count in = out + dead-lettered)', async () => {
    const { store, publisher, handler } = setup();
    const lines = [JSON.stringify(reading(1)), '{"broken', JSON.stringify({ ...reading(2), measured_at: 12 }), JSON.stringify(reading(3))];
    await store.write('landing', 'mixed.ndjson', Buffer.concat([Buffer.from(lines.join('\n')), Buffer.from('\n{"reading_id":"\xff"}\n', 'latin1')]));
    const r = await handler(notification('mixed.ndjson', '1'));
    expect(r).toMatchObject({ recordsIn: 5, published: 2, deadLettered: 3 });
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).reason)).toEqual(['invalid_json', 'invalid_event_time', 'invalid_utf8']);
    expect(envelopesOn(publisher).map((e) => e.eventId)).toEqual(['r-1', 'r-3']);
  });

  it.each([
    ['another event type', notification('x.csv', '1', {}, { eventType: 'OBJECT_DELETE' })],
    ['another bucket', notification('x.csv', '1', {}, { bucketId: 'elsewhere' })],
  ])('ignores a notification for %s', async (_name, event) => {
    const { publisher, handler } = setup();
    expect(await handler(event)).toMatchObject({ outcome: 'ignored' });
    expect(publisher.published).toEqual([]);
  });

  it('dead-letters a files-topic message that is not a storage notification', async () => {
    const { publisher, handler } = setup();
    expect(await handler(pushEvent('{}', {}, FILES_TOPIC))).toEqual({ path: 'invalid', deadLettered: 1 });
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).reason)).toEqual(['invalid_notification']);
  });

  it('uses the object metadata as the records attributes', async () => {
    const { store, publisher, handler } = setup();
    await store.write('landing', 'm.csv', Buffer.from(csv));
    await handler(notification('m.csv', '1', { contentType: 'text/csv', metadata: { site: 'north' } }));
    expect(envelopesOn(publisher)[0]!.source.attributes).toEqual({ site: 'north' });
  });

  it('an id attribute in the object metadata names the file: records get <id>#<index>, none collapse', async () => {
    const clickstream = getPipeline('clickstream') as IngestDefinition;
    const { store, publisher, handler } = setup(clickstream);
    const clicks = [0, 1, 2].map((i) => ({ user_email: 'a@b.c', event_type: 'click', page: `/p${i}`, ip: '1.2.3.4', client_ts: 1772359200000 + i }));
    await store.write('landing', 'c.ndjson', Buffer.from(clicks.map((c) => JSON.stringify(c)).join('\n')));
    await handler(notification('c.ndjson', '1', { metadata: { event_id: 'f-1' } }));
    expect(envelopesOn(publisher).map((e) => e.eventId)).toEqual(['f-1#0', 'f-1#1', 'f-1#2']);
  });

  it('reads a landed file of change events (gzip NDJSON), dead-lettering a delete without its before-image', async () => {
    const { store, publisher, handler } = setup(orders);
    const changes = [
      { op: 'r', before: null, after: { id: 1, total: 5 }, ts_ms: 1772359200000, source: { lsn: 100 } },
      { op: 'u', before: { id: 1, total: 5 }, after: { id: 1, total: 7 }, ts_ms: 1772359201000, source: { lsn: 101 } },
      { op: 'd', before: null, after: null, ts_ms: 1772359202000, source: { lsn: 102 } },
      { op: 'd', before: { id: 1, total: 7 }, after: null, ts_ms: 1772359203000, source: { lsn: 103 } },
    ];
    await store.write('landing', 'cdc/orders.jsonl.gz', gzipSync(changes.map((c) => JSON.stringify(c)).join('\n')));
    expect(await handler(notification('cdc/orders.jsonl.gz', '1'))).toMatchObject({ recordsIn: 4, published: 3, deadLettered: 1 });
    expect(envelopesOn(publisher).map((e) => [e.eventId, e.eventTime, e.source.format, e.source.cdc?.op, e.record])).toEqual([
      ['100', 1772359200000, 'cdc-debezium', 'r', { id: 1, total: 5 }],
      ['101', 1772359201000, 'cdc-debezium', 'u', { id: 1, total: 7 }],
      ['103', 1772359203000, 'cdc-debezium', 'd', { id: 1, total: 7 }],
    ]);
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).reason)).toEqual(['cdc_missing_before']);
  });

  it('closes a chunk after a long stretch of bad records, so a file of garbage is never held whole', async () => {
    const { store, publisher, handler } = setup();
    const lines = [...Array.from({ length: 250 }, (_, i) => `garbage ${i} {`), JSON.stringify(reading(1))];
    await store.write('landing', 'junk.ndjson', Buffer.from(lines.join('\n')));
    expect(await handler(notification('junk.ndjson', '1'))).toMatchObject({ recordsIn: 251, published: 1, deadLettered: 250, chunks: 3, bundles: 1 });
    expect(publisher.on('dead-letter')).toHaveLength(250);
  });
});
