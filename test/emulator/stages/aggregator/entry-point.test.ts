/**
 * The real entry point (`functions/window-aggregator/index.ts`) in the dev stack: its own process
 * with only the topology's environment and the system clock, serving iot-sensors' `device_minute`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, type DevStack } from '../../../../emulators/dev';
import { partitionOf } from '../../../../shared/core/hash';
import { encodeKeyedBundle, orderingKeyOf, WIRE_VERSION } from '../../../../shared/messages';
import { stackClients, waitFor } from '../../helpers';

const prefix = `ae${Date.now().toString(36).slice(-6)}`;
const clients = stackClients();
let stack: DevStack;
const logs: string[] = [];

beforeAll(async () => {
  stack = await startDevStack({ pipeline: 'iot-sensors', prefix, tickIntervalMs: 0, stages: ['aggregator'], onLine: (_s, line) => logs.push(line) });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('functions/window-aggregator/index.ts in the dev stack', () => {
  it('applies a keyed bundle, fires the closed window into device_minute_panes, and dead-letters garbage', async () => {
    expect(stack.served.map((s) => [s.stage, s.module])).toEqual([['aggregator', 'functions/window-aggregator/index.ts']]);
    const device = `dev-${prefix}`;
    const agg = stack.topology.functions.aggregator;
    expect(agg.entryPoint).toBe('aggregator');
    const partitions = 4;
    const partition = partitionOf(device, partitions);
    const now = Date.now();
    const old = now - 10 * 60_000;
    // Two readings 10 minutes apart: the partition's own watermark (max − 30 s) passes the first one's window.
    const bundle = encodeKeyedBundle({
      v: WIRE_VERSION,
      kind: 'bundle',
      pipeline: 'iot-sensors',
      aggregation: 'device_minute',
      partition,
      bundleId: `${prefix}-1`,
      records: [
        { eventId: `${prefix}-a`, key: device, eventTime: old, value: { temperature_c: 20, humidity_pct: 40 } },
        { eventId: `${prefix}-b`, key: device, eventTime: old + 1, value: { temperature_c: 22, humidity_pct: 42 } },
        { eventId: `${prefix}-c`, key: device, eventTime: now, value: { temperature_c: 25, humidity_pct: 45 } },
      ],
    });
    const topic = stack.clients.pubsub.topic(stack.topology.topics.keyed.name, { messageOrdering: true });
    await topic.publishMessage({ data: Buffer.from(bundle), orderingKey: orderingKeyOf('device_minute', partition) });
    await topic.publishMessage({ data: Buffer.from('{"v":1,"kind":"bundle"') });

    const fq = `\`${stack.topology.project}.${stack.topology.dataset.id}.device_minute_panes\``;
    const rows = await waitFor(
      'the closed window in device_minute_panes',
      async () => {
        const [r] = await clients.bigquery.query({ query: `SELECT device_id, pane_timing, readings, temperature_min, temperature_max, window_start FROM ${fq} WHERE key = '${device}'` });
        return r.length >= 1 ? r : undefined;
      },
      90_000,
    );
    const windowStart = old - (old % 60_000);
    expect(rows).toEqual([expect.objectContaining({ device_id: device, pane_timing: 'ON_TIME', readings: 2, temperature_min: 20, temperature_max: 22 })]);
    const ws = (rows[0] as { window_start: unknown }).window_start;
    // The BigQuery client returns TIMESTAMPs as `{value}` objects.
    const iso = typeof ws === 'object' && ws !== null && 'value' in ws ? String((ws as { value: unknown }).value) : String(ws);
    expect(Date.parse(iso)).toBe(windowStart);
    const dead = await waitFor('a dead_letter metric line', () => logs.find((l) => l.includes('"sluiceMetric":"dead_letter"')));
    expect(JSON.parse(dead)).toMatchObject({ stage: 'aggregator', pipeline: 'iot-sensors' });
    const partitionDoc = await clients.firestore.doc(`${stack.topology.firestore.collections.partitions}/device_minute-${partition}`).get();
    expect(partitionDoc.exists).toBe(true);
    expect(partitionDoc.get('expireAt')).toBeNull();
  }, 180_000);
});
