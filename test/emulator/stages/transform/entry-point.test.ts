/**
 * The real entry point (`functions/transform/index.ts`) in the dev stack: its own process with only
 * the topology's environment, wired to the emulators, serving the iot-sensors pipeline (whose
 * device catalogue side input is read from the GCS emulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, type DevStack } from '../../../../emulators/dev';
import { encodeEventBundle, type Envelope } from '../../../../shared/messages';
import { stackClients, waitFor } from '../../helpers';

const prefix = `te${Date.now().toString(36).slice(-6)}`;
const clients = stackClients();
let stack: DevStack;
const logs: string[] = [];

beforeAll(async () => {
  stack = await startDevStack({ pipeline: 'iot-sensors', prefix, tickIntervalMs: 0, stages: ['transform', 'deadletter'], onLine: (_s, line) => logs.push(line) });
  // The definition's side input, gs://{{reference}}/iot/devices.ndjson: in this deployment's own reference bucket.
  const side = stack.topology.sideInputs.find((s) => s.name === 'device_catalogue')!;
  expect(side.bucket).toBe(stack.topology.buckets.reference.name);
  await clients.storage.bucket(side.bucket!).file(side.object!).save('{"device_id":"dev-a1","site":"hq","model":"T1000","floor":3}\n{"device_id":"dev-b2","site":"lab","model":"T2000","floor":1}\n');
});

afterAll(async () => {
  await stack?.stop();
});

describe('functions/transform/index.ts in the dev stack', () => {
  it('serves the transform entry point for iot-sensors end to end', async () => {
    expect(stack.served.map((s) => [s.stage, s.module]).sort()).toEqual([
      ['deadletter', 'functions/deadletter/index.ts'],
      ['transform', 'functions/transform/index.ts'],
    ]);
    const now = Date.now();
    const env = (id: string, device: string, temp: number): Envelope => ({
      eventId: id,
      eventTime: now - 1000,
      pipeline: 'iot-sensors',
      source: { messageId: `m-${id}`, publishTime: now, attributes: {}, format: 'json' },
      record: { reading_id: id, device_id: device, measured_at: new Date(now - 1000).toISOString(), temperature_c: temp, humidity_pct: 40 },
      ingestTime: now,
    });
    const bundle = encodeEventBundle({ v: 1, pipeline: 'iot-sensors', envelopes: [env(`${prefix}-1`, 'dev-a1', 21.5), env(`${prefix}-2`, 'dev-zz', 19), env(`${prefix}-3`, 'dev-b2', 400)] });
    await stack.clients.pubsub.topic(stack.topology.topics.events.name).publishMessage({ data: Buffer.from(bundle) });
    const fq = `\`${stack.topology.project}.${stack.topology.dataset.id}.events\``;
    const rows = await waitFor(
      'rows in events',
      async () => {
        const [r] = await clients.bigquery.query({ query: `SELECT event_id, device_id, temperature_c, device FROM ${fq} ORDER BY event_id` });
        return r.length >= 2 ? r : undefined;
      },
      90_000,
    );
    // dev-a1 is in the catalogue; dev-zz is not (onMissing: keep → no device); 400 °C fails temperature_plausible.
    expect(rows).toEqual([
      { event_id: `${prefix}-1`, device_id: 'dev-a1', temperature_c: 21.5, device: { site: 'hq', model: 'T1000', floor: 3 } },
      { event_id: `${prefix}-2`, device_id: 'dev-zz', temperature_c: 19, device: null },
    ]);
    const dead = await waitFor('a dead_letter metric line', () => logs.find((l) => l.includes('"sluiceMetric":"dead_letter"')));
    expect(JSON.parse(dead)).toMatchObject({ reason: 'expectation:temperature_plausible', eventId: `${prefix}-3`, stage: 'transform', pipeline: 'iot-sensors' });
    // The deadletter stage writes it to BigQuery dead_letter, with the rule and the envelope as payload.
    const dlq = `\`${stack.topology.project}.${stack.topology.dataset.id}.dead_letter\``;
    const [deadRow] = await waitFor('the dead_letter row', async () => {
      const [r] = await clients.bigquery.query({ query: `SELECT stage, reason, event_id, payload, payload_encoding FROM ${dlq}` });
      return r.length >= 1 ? r : undefined;
    });
    expect(deadRow).toMatchObject({ stage: 'transform', reason: 'expectation:temperature_plausible', event_id: `${prefix}-3`, payload_encoding: 'text' });
    expect(JSON.parse(String(deadRow.payload)).record.temperature_c).toBe(400);
  });
});
