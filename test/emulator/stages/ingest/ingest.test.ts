/**
 * ingest on the emulators: real Pub/Sub push → functions-framework → ingest → Pub/Sub events topic
 * and the GCS raw archive; landed files through the bucket's finalize notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../../shared/adapters';
import { decodeMessage, maxEnvelopeBytesFor, readArchive } from '../../../../shared/stages/ingest';
import { getPipeline } from '../../../../pipelines';
import { type IngestStack, startIngestStack, waitFor } from './harness';

const BASE_MS = Date.parse('2026-03-01T10:00:00Z');
const reading = (id: string, i: number) => ({
  reading_id: id,
  device_id: `dev-${i % 4}`,
  measured_at: new Date(BASE_MS + i * 1000).toISOString(),
  temperature_c: 18 + (i % 50) / 10,
  humidity_pct: 40 + (i % 20),
});

describe('ingest streaming path on the emulators', () => {
  let stack: IngestStack;
  beforeAll(async () => {
    stack = await startIngestStack('is');
  });
  afterAll(async () => {
    await stack.close();
  });

  it('raw events arrive as EventBundles on the events topic and as archived objects in GCS', async () => {
    const singles = Array.from({ length: 30 }, (_, i) => reading(`s-${i}`, i));
    const batchA = Array.from({ length: 20 }, (_, i) => reading(`a-${i}`, i));
    const batchB = Array.from({ length: 20 }, (_, i) => reading(`b-${i}`, i));
    const ids = await Promise.all([
      ...singles.map((r) => stack.publishRaw(JSON.stringify(r), { source: 'sensor-gw' })),
      stack.publishRaw(batchA.map((r) => JSON.stringify(r)).join('\n')),
      stack.publishRaw(JSON.stringify(batchB)),
    ]);
    const expected = [...singles, ...batchA, ...batchB].map((r) => r.reading_id).sort();
    await waitFor('all 70 events on the events topic', () => (new Set(stack.envelopes().map((e) => e.eventId)).size >= 70 ? true : undefined));
    const envelopes = stack.envelopes();
    expect([...new Set(envelopes.map((e) => e.eventId))].sort()).toEqual(expected);
    const byId = new Map(envelopes.map((e) => [e.eventId, e]));
    for (const r of [...singles, ...batchA, ...batchB]) {
      const e = byId.get(r.reading_id)!;
      expect([e.eventTime, e.record, e.pipeline]).toEqual([Date.parse(r.measured_at), r, 'iot-sensors']);
    }
    expect(byId.get('s-3')!.source.attributes).toEqual({ source: 'sensor-gw' });
    expect(ids).toContain(byId.get('s-3')!.source.messageId);
    // Each producer batch travels as one bundle.
    for (const prefix of ['a-', 'b-']) {
      const holding = stack.bundles.filter((b) => b.envelopes.some((e) => e.eventId.startsWith(prefix)));
      expect(holding).toHaveLength(1);
      expect(holding[0]!.envelopes.filter((e) => e.eventId.startsWith(prefix))).toHaveLength(20);
    }
    expect(stack.bundles.length).toBeLessThanOrEqual(32);

    // The archive: every raw message exactly once, gzip NDJSON under dt=/hour=, fewer objects than events.
    const store = new GcsObjectStore(stack.clients.storage);
    const bucket = stack.topology.buckets.rawArchive.name;
    const archived = await waitFor('32 archived messages', async () => {
      const objects = await store.list(bucket);
      const messages = (await Promise.all(objects.map(async (o) => readArchive(await store.read(bucket, o.name))))).flat();
      return messages.length >= 32 ? { objects, messages } : undefined;
    });
    expect(archived.messages.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    expect(archived.objects.every((o) => /^dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/\d+-[0-9a-f-]+\.ndjson\.gz$/.test(o.name))).toBe(true);
    expect(archived.objects.length).toBeLessThanOrEqual(32);
    expect(archived.objects.length).toBeLessThan(70);
    // Replaying the archive rebuilds the same ids and event times.
    const definition = getPipeline('iot-sensors');
    const replayed = archived.messages.flatMap(
      (m) => decodeMessage(m, { messageId: m.messageId, publishTime: m.publishTime, attributes: m.attributes }, { definition, ingestTime: 0, maxEnvelopeBytes: maxEnvelopeBytesFor(definition.name) }).envelopes,
    );
    expect(replayed.map((e) => [e.eventId, e.eventTime, e.source.messageId]).sort()).toEqual(envelopes.map((e) => [e.eventId, e.eventTime, e.source.messageId]).sort());
  });
});

describe('ingest batch path on the emulators', () => {
  let stack: IngestStack;
  beforeAll(async () => {
    stack = await startIngestStack('ib', { bundleMaxBytes: 4000, failFirstFileAck: true });
  });
  afterAll(async () => {
    await stack.close();
  });

  const rows = Array.from({ length: 40 }, (_, i) => reading(`f-${i}`, i));
  const ndjson = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const header = Object.keys(rows[0]!);
  const csv = [header.join(','), ...rows.map((r) => header.map((h) => String(r[h as keyof typeof r])).join(','))].join('\n') + '\n';
  const ofObject = (name: string) => stack.bundles.filter((b) => (b.attributes['sluice-object'] ?? '').includes(`/${name}#`));

  it('a landed NDJSON file and the same data as CSV yield the same envelopes; a redelivered notification publishes once', async () => {
    const landing = stack.clients.storage.bucket(stack.topology.buckets.landing.name);
    // The first file's delivery "loses its ack": Pub/Sub redelivers the same notification.
    await landing.file('in/readings.ndjson').save(ndjson, { resumable: false, contentType: 'application/x-ndjson' });
    await waitFor('the redelivered notification', () => (stack.ingest.totals.filesDuplicate >= 1 ? true : undefined));
    await landing.file('in/readings.csv').save(csv, { resumable: false, contentType: 'text/csv' });
    await waitFor('the CSV file', () => (stack.ingest.totals.files >= 2 ? true : undefined));

    const fromNdjson = ofObject('in/readings.ndjson');
    const fromCsv = ofObject('in/readings.csv');
    // Published once, chunked under the cap: every record exactly once, chunk indexes 0..n-1 once each.
    for (const chunks of [fromNdjson, fromCsv]) {
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.map((c) => Number(c.attributes['sluice-chunk'])).sort((a, b) => a - b)).toEqual(chunks.map((_, i) => i));
      expect(chunks.flatMap((c) => c.envelopes.map((e) => e.eventId)).sort()).toEqual(rows.map((r) => r.reading_id).sort());
    }
    const key = (e: { eventId: string; eventTime: number; record: Record<string, unknown> }) =>
      JSON.stringify([e.eventId, e.eventTime, Object.fromEntries(Object.entries(e.record).map(([k, v]) => [k, String(v)]))]);
    const a = fromNdjson.flatMap((c) => c.envelopes).map(key).sort();
    const b = fromCsv.flatMap((c) => c.envelopes).map(key).sort();
    expect(a).toEqual(b);
    expect(stack.ingest.totals).toMatchObject({ files: 2, filesDuplicate: 1 });
    // The lost ack failed its delivery once, and the framework logged it once.
    expect(stack.failureLogs).toEqual([expect.stringMatching(/^Error: simulated lost ack after the file was ingested\n/)]);
  });
});
