import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagesFromEvents, publishMessages } from '../../../cli/publish';
import { collectStatus } from '../../../cli/status';
import { resolveTarget, type Target } from '../../../cli/target';
import { bootstrapTopology } from '../../../emulators/bootstrap';
import { generateEvents } from '../../../pipelines/generators';
import { PubSubPublisher } from '../../../shared/adapters/pubsub-publisher';
import { stackAdmin, waitFor } from '../helpers';

const prefix = `c${Date.now().toString(36).slice(-7)}`;
const bin = fileURLToPath(new URL('../../../bin/sluice.mjs', import.meta.url));
let target: Target;

beforeAll(async () => {
  target = resolveTarget({ pipeline: 'iot-sensors', prefix });
  // No stage served: the raw subscription is pull, so the test can read what was published.
  await bootstrapTopology(target.topology, target.clients, { admin: stackAdmin() });
});
afterAll(async () => {
  await target.close();
});

describe('sluice CLI pieces on the emulators', () => {
  it('publish: every generated event reaches the raw topic exactly once, in NDJSON batches', async () => {
    const events = generateEvents('iot-sensors', { seed: 5, count: 230, startMs: Date.UTC(2026, 0, 1), duplicateRate: 0.05, lateRate: 0.02, invalidRate: 0.02 });
    const result = await publishMessages(new PubSubPublisher(target.clients.pubsub), target.topology.topics.raw.name, messagesFromEvents(events, 25));
    expect(result).toMatchObject({ messages: 10, events: 230 });

    const received: Message[] = [];
    const sub = target.clients.pubsub.subscription(target.topology.subscriptions.find((s) => s.topic === 'raw')!.name);
    sub.on('message', (m: Message) => {
      received.push(m);
      m.ack();
    });
    await waitFor('10 messages pulled', () => (received.length >= 10 ? true : undefined));
    await sub.close();
    const lines = received.flatMap((m) => m.data.toString('utf8').split('\n')).sort();
    expect(lines).toEqual(events.map((e) => e.payload).sort());
    expect(new Set(received.map((m) => m.attributes['sluice-format']))).toEqual(new Set(['ndjson']));
  });

  it('query (the real command): resolves {{table}}, runs under the bytes cap, prints rows as JSON', async () => {
    await target.clients.bigquery.dataset(target.topology.dataset.id).table('events').insert([
      { event_id: 'q1', event_time: '2026-01-01T00:00:00Z', ingest_time: '2026-01-01T00:00:01Z', device_id: 'dev-a', temperature_c: 20.5 },
      { event_id: 'q2', event_time: '2026-01-01T00:00:02Z', ingest_time: '2026-01-01T00:00:03Z', device_id: 'dev-b', temperature_c: 21 },
    ]);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--prefix', prefix, 'query', 'SELECT event_id, temperature_c FROM {{events_dedup}} ORDER BY event_id', '--json', '--max-bytes', '5000000'], {
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    });
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { event_id: 'q1', temperature_c: 20.5 },
      { event_id: 'q2', temperature_c: 21 },
    ]);
    expect(stderr).toContain('2 rows');
    expect(stderr).toContain('cap 5000000 bytes');
  });

  it('status: dead-letter counts by stage and reason, event counts, subscriptions as created', async () => {
    const dl = (stage: string, reason: string, i: number) => ({
      stage,
      reason,
      payload_encoding: 'utf8',
      payload_bytes: 1,
      payload_truncated: false,
      attempt: 1,
      at: '2026-01-01T00:00:00Z',
      message: `case ${i}`,
    });
    const rows = [dl('ingest', 'invalid_json', 1), dl('ingest', 'invalid_json', 2), dl('transform', 'schema', 1)];
    await target.clients.bigquery.dataset(target.topology.dataset.id).table('dead_letter').insert(rows);

    const report = await collectStatus(target, { maxBytes: 1_000_000 });
    expect(report.problems).toEqual([]);
    expect(report.deadLetters).toEqual([
      { stage: 'ingest', reason: 'invalid_json', count: 2 },
      { stage: 'transform', reason: 'schema', count: 1 },
    ]);
    expect(report.events).toEqual({ rows: 2, distinct: 2 });
    expect(report.subscriptions.map((s) => s.name)).toEqual(target.topology.subscriptions.map((s) => s.name));
    expect(new Set(report.subscriptions.map((s) => s.delivery))).toEqual(new Set(['pull']));
    expect(report.panes).toEqual([{ aggregation: 'device_minute', rows: 0 }]);
  });
});
