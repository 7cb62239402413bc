/**
 * The `sluice` commands that read what the stages leave behind, on the emulators: `tail` (pane
 * rows in a panes table), `replay` (an archive written by the ingest stage's handler, republished
 * by the real command, ingested again) and `status` (partition documents written by the real window aggregator).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectStatus, renderStatus } from '../../../cli/status';
import { PaneTail, paneLine } from '../../../cli/tail';
import { resolveTarget, type Target } from '../../../cli/target';
import { bootstrapTopology } from '../../../emulators/bootstrap';
import { FirestoreStateStore } from '../../../shared/adapters/firestore-state-store';
import { GcsObjectStore } from '../../../shared/adapters/gcs-object-store';
import { decodeEventBundle } from '../../../shared/messages';
import { createLogger } from '../../../shared/observability/log';
import { FakeClock } from '../../../shared/ports/clock';
import { FakeObjectStore, type ObjectStore } from '../../../shared/ports/object-store';
import { FakePublisher } from '../../../shared/ports/publisher';
import { FakeStateStore } from '../../../shared/ports/state-store';
import { createIngestHandler, ingestResourcesOf, ORIGINAL_PUBLISH_TIME_ATTRIBUTE, readArchive, type IngestDefinition } from '../../../shared/stages/ingest';
import { runAggregatorScenario } from '../../unit/cli/aggregator-scenario';
import { stackAdmin, waitFor } from '../helpers';

const prefix = `r${Date.now().toString(36).slice(-7)}`;
const bin = fileURLToPath(new URL('../../../bin/sluice.mjs', import.meta.url));
const sluice = (...args: string[]) => promisify(execFile)(process.execPath, [bin, '--prefix', prefix, ...args], { env: { ...process.env, METADATA_SERVER_DETECTION: 'none' } });
let target: Target;

beforeAll(async () => {
  target = resolveTarget({ pipeline: 'iot-sensors', prefix });
  // No stage served: the raw subscription is pull, so the test can read what replay published.
  await bootstrapTopology(target.topology, target.clients, { admin: stackAdmin() });
});
afterAll(async () => {
  await target.close();
});

const MIN = 60_000;
const paneRow = (id: string, key: string, windowStart: number, firedAt: number, readings: number) => ({
  pane_id: id,
  pipeline: 'iot-sensors',
  aggregation: 'device_minute',
  key,
  device_id: key,
  window_start: new Date(windowStart).toISOString(),
  window_end: new Date(windowStart + MIN).toISOString(),
  pane_timing: 'ON_TIME',
  pane_index: 0,
  non_speculative_index: 0,
  is_first: true,
  is_last: false,
  fired_at: new Date(firedAt).toISOString(),
  watermark: new Date(windowStart + MIN).toISOString(),
  readings,
  temperature_mean: 20 + readings / 10,
});

describe('sluice tail / replay / status on the emulators', () => {
  it('tail: prints the panes inserted into the panes table, each once, and then only new ones', async () => {
    const T = Date.UTC(2026, 0, 1, 10, 0);
    const table = target.clients.bigquery.dataset(target.topology.dataset.id).table('device_minute_panes');
    const first = [paneRow('p-old', 'dev-0', T - 10 * MIN, T - 5 * MIN, 1), paneRow('p1', 'dev-1', T, T + MIN + 500, 7), paneRow('p2', 'dev-2', T, T + MIN + 900, 3)];
    await table.insert(first);
    const agg = target.pipeline.aggregations[0]!;
    const tail = new PaneTail(target.clients.bigquery, target.topology, agg, T, { maxBytes: 1_000_000, lookbackMs: 2 * MIN });
    const got1 = await tail.poll();
    expect(got1.map((r) => r.pane_id)).toEqual(['p1', 'p2']);
    expect(paneLine(got1[0]!, agg)).toMatch(/^10:01:00 {2}device_minute {2}dev-1 {2}\[2026-01-01 10:00:00, 10:01:00\) {2}ON_TIME #0 {2}readings=7 temperature_mean=20\.7 /);

    // p1 again (a retried insert), and a pane that fired before p2 but landed after it.
    await table.insert([paneRow('p1', 'dev-1', T, T + MIN + 500, 7), paneRow('p3', 'dev-3', T, T + MIN + 700, 4), paneRow('p4', 'dev-1', T + MIN, T + 2 * MIN + 100, 9)]);
    expect((await tail.poll()).map((r) => r.pane_id)).toEqual(['p3', 'p4']);
    expect(await tail.poll()).toEqual([]);

    // The real command, once (no --follow).
    const { stdout } = await sluice('tail', '--since', new Date(T).toISOString());
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.split(/\s{2,}/)[2])).toEqual(['dev-1', 'dev-3', 'dev-2', 'dev-1']);
    expect(lines[3]).toContain('[2026-01-01 10:01:00, 10:02:00)');
    expect(lines[3]).toContain('readings=9');
  });

  it('replay: republishes exactly the archived messages of the range; ingest derives the same envelopes from them', async () => {
    const store = new GcsObjectStore(target.clients.storage);
    const bucket = target.topology.buckets.rawArchive.name;
    const T = Date.UTC(2026, 0, 2, 23, 50);
    const iot = target.pipeline as IngestDefinition;
    const ingest = (clock: FakeClock, publisher: FakePublisher, archive: ObjectStore) =>
      createIngestHandler({ definition: iot, publisher, store: archive, state: new FakeStateStore(), clock, logger: createLogger({ pipeline: iot.name, stage: 'ingest' }, () => {}), ...ingestResourcesOf(target.topology), groupCommitDelayMs: 0 });
    const push = (data: Uint8Array, attributes: Record<string, string>, messageId: string, publishTime: number) => ({
      source: `//pubsub.googleapis.com/${target.topology.topics.raw.path}`,
      id: messageId,
      data: { message: { data: Buffer.from(data).toString('base64'), attributes, messageId, publishTime: new Date(publishTime).toISOString() } },
    });

    // 1. The ingest stage itself receives the messages and writes the archive (real GCS emulator).
    const clock = new FakeClock(T);
    const original = new FakePublisher();
    const handler = ingest(clock, original, store);
    let n = 0;
    const deliverAt = async (at: number, count: number): Promise<void> => {
      clock.advance(at - clock.now());
      const deliveries: Array<Promise<unknown>> = [];
      for (let i = 0; i < count; i++, n++) {
        const batch = n % 4 === 3;
        const data = batch
          ? `{"reading_id":"r${n}a","device_id":"d${n % 5}","measured_at":"2026-01-02T23:00:00Z","temperature_c":${n}}\n{"reading_id":"r${n}b","device_id":"d${n % 5}","measured_at":"2026-01-02T23:00:01Z","temperature_c":${n}}`
          : `{"reading_id":"r${n}","device_id":"d${n % 5}","measured_at":"2026-01-02T23:00:00Z","temperature_c":${n}.5}`;
        deliveries.push(handler(push(Buffer.from(data), batch ? { 'sluice-format': 'ndjson' } : { 'sluice-format': 'json', note: `n${n}` }, `orig-${n}`, at - 20)));
      }
      if (n === count) deliveries.push(handler(push(Buffer.from([0xff, 0x00, 0xfe]), { origin: 'binary' }, 'orig-bin', at - 20)));
      await Promise.all(deliveries);
    };
    await deliverAt(T, 6); // 23:50 — in range, with a non-UTF-8 payload (dead-lettered)
    await deliverAt(T + 5 * MIN, 5); // 23:55 — in range
    await deliverAt(T + 15 * MIN, 4); // 00:05 next day — in range, another dt= prefix
    await deliverAt(T + 40 * MIN, 3); // 00:30 — outside

    // 2. The real command.
    const { stdout } = await sluice('replay', '--from', new Date(T).toISOString(), '--to', new Date(T + 30 * MIN).toISOString());

    // The archive's contents for the range, read back from GCS.
    const objects = (await store.list(bucket, 'dt=2026-01-0')).filter((o) => {
      const t = Number(/\/(\d+)-/.exec(o.name)?.[1]);
      return t >= T && t < T + 30 * MIN;
    });
    expect(objects.length).toBeGreaterThanOrEqual(3);
    const archived = (await Promise.all(objects.map((o) => store.read(bucket, o.name)))).flatMap((gz) => readArchive(gz));
    expect(archived.map((m) => m.messageId).sort()).toEqual([...Array.from({ length: 15 }, (_, i) => `orig-${i}`), 'orig-bin'].sort());
    const records = archived.reduce((s, m) => s + (m.attributes['sluice-format'] === 'ndjson' ? 2 : 1), 0);
    const bytes = archived.reduce((s, m) => s + m.data.byteLength, 0);
    expect(stdout).toContain(`replayed ${objects.length} objects: 16 messages, ${records} events, ${bytes} payload bytes`);

    const received: Message[] = [];
    const sub = target.clients.pubsub.subscription(target.topology.subscriptions.find((s) => s.topic === 'raw')!.name);
    sub.on('message', (m: Message) => {
      received.push(m);
      m.ack();
    });
    await waitFor('16 replayed messages', () => (received.length >= 16 ? true : undefined));
    // Anything beyond the 16 would arrive with them: give the emulator one more pull round.
    await new Promise((r) => setTimeout(r, 1500));
    await sub.close();
    const key = (data: Uint8Array, attributes: Record<string, string>) => `${Buffer.from(data).toString('hex')}|${JSON.stringify(Object.entries(attributes).sort())}`;
    // As archived, plus the original publish time (ingest's event-time fallback uses it).
    expect(received.map((m) => key(m.data, m.attributes)).sort()).toEqual(
      archived.map((m) => key(m.data, { ...m.attributes, [ORIGINAL_PUBLISH_TIME_ATTRIBUTE]: String(m.publishTime) })).sort(),
    );

    // 3. Ingest again on the replayed deliveries (new message ids and publish times): the same
    //    event ids, event times and records as the first time for the messages in the range.
    const again = new FakePublisher();
    const replayHandler = ingest(new FakeClock(T + 60 * MIN), again, new FakeObjectStore());
    await Promise.all(received.map((m) => replayHandler(push(m.data, m.attributes, m.id, m.publishTime.getTime()))));
    const envelopes = (p: FakePublisher) =>
      p
        .on(target.topology.topics.events.name)
        .flatMap((m) => decodeEventBundle(m.data).envelopes)
        .map((e) => JSON.stringify([e.eventId, e.eventTime, e.record]))
        .sort();
    const inRange = new Set(archived.map((m) => m.messageId));
    const originalInRange = original
      .on(target.topology.topics.events.name)
      .flatMap((m) => decodeEventBundle(m.data).envelopes)
      .filter((e) => inRange.has(e.source.messageId))
      .map((e) => JSON.stringify([e.eventId, e.eventTime, e.record]))
      .sort();
    expect(originalInRange).toHaveLength(records - 1);
    expect(envelopes(again)).toEqual(originalInRange);
  });

  it('status: watermark, lag, partitions and outbox of partition documents written by the window aggregator', async () => {
    const store = new FirestoreStateStore(target.clients.firestore, { timestampFields: ['expireAt'] });
    const s = await runAggregatorScenario(store, target.topology, Date.UTC(2026, 0, 3, 12, 0));
    const refused = new Set(s.sink.attempted.map((a) => `${a.table}|${a.row.insertId}`));
    expect(refused.size).toBe(s.expectedOnTimePanes);

    const report = await collectStatus(target, { maxBytes: 1_000_000, now: s.now });
    expect(report.problems).toEqual([]);
    expect(report.aggregations).toEqual([
      expect.objectContaining({
        aggregation: 'device_minute',
        partitions: 4,
        partitionDocs: s.partitions.size,
        watermark: s.tickWatermark,
        watermarkLagMs: s.now - s.tickWatermark,
        outbox: s.expectedOnTimePanes,
      }),
    ]);
    const text = renderStatus(report);
    expect(text).toContain(new Date(s.tickWatermark).toISOString());
    expect(text).toMatch(new RegExp(`device_minute\\s+${s.partitions.size}/4\\s`));
    expect(report.subscriptions.every((x) => x.note === 'n/a (emulator)')).toBe(true);
  });
});
