/**
 * IoT sensor readings → per-device 1-minute statistics.
 *
 * Devices publish one JSON reading per message (or NDJSON batches; gateways upload CSV files to the
 * landing bucket). Each reading carries its own measurement time, so results are in event time:
 * a device that buffers readings while offline still lands them in the right minute, up to
 * 10 minutes late. Early panes every 10 s give dashboards a live view of the open minute.
 */
import { definePipeline, type RecordSchema } from '../shared/pipeline';

/** One reading, after enrichment from the device catalogue. */
export interface SensorReading {
  reading_id: string;
  device_id: string;
  /** Measurement time, RFC 3339. */
  measured_at: string;
  temperature_c: number;
  humidity_pct?: number | null;
  battery_v?: number | null;
  firmware?: string;
  device?: { site: string; model: string; floor: number } | null;
}

/** The reading's JSON Schema, shared with the end-to-end benchmark's pipeline. */
export const sensorReadingSchema: RecordSchema = {
  type: 'object',
  required: ['reading_id', 'device_id', 'measured_at', 'temperature_c'],
  properties: {
    reading_id: { type: 'string', minLength: 1, maxLength: 128 },
    device_id: { type: 'string', pattern: '^dev-[0-9a-z-]+$' },
    measured_at: { type: 'string', format: 'date-time' },
    temperature_c: { type: 'number' },
    humidity_pct: { type: ['number', 'null'] },
    battery_v: { type: ['number', 'null'] },
    firmware: { type: 'string' },
  },
};

export const iotSensors = definePipeline<SensorReading>({
  name: 'iot-sensors',
  description: 'Per-device 1-minute temperature and humidity statistics from building sensors.',
  source: {
    formats: ['json', 'ndjson', 'csv'],
    csv: { header: true },
    eventId: { from: 'field', path: 'reading_id', fallback: 'contentHash' },
    eventTime: { from: 'field', path: 'measured_at', format: 'rfc3339' },
  },
  schema: sensorReadingSchema,
  expectations: [
    { id: 'temperature_plausible', kind: 'range', field: 'temperature_c', min: -60, max: 125 },
    { id: 'humidity_percent', kind: 'range', field: 'humidity_pct', min: 0, max: 100 },
    { id: 'battery_low', kind: 'range', field: 'battery_v', min: 2.9, severity: 'warn' },
    { id: 'firmware_semver', kind: 'regex', field: 'firmware', pattern: '^\\d+\\.\\d+\\.\\d+$', severity: 'warn' },
    { id: 'reading_fresh', kind: 'maxAge', maxAge: '7d', maxFuture: '5m' },
  ],
  pii: [],
  enrichment: [
    {
      name: 'device_catalogue',
      source: { kind: 'gcs', uri: 'gs://{{reference}}/iot/devices.ndjson', format: 'ndjson' },
      recordField: 'device_id',
      sideField: 'device_id',
      into: 'device',
      fields: { site: { type: 'string' }, model: { type: 'string' }, floor: { type: 'integer' } },
      ttl: '10m',
      onMissing: 'keep',
    },
  ],
  watermark: { maxOutOfOrderness: '30s', idleTimeout: '2m' },
  aggregations: [
    {
      name: 'device_minute',
      keyFields: ['device_id'],
      window: { kind: 'fixed', size: '1m' },
      trigger: {
        kind: 'afterWatermark',
        early: { kind: 'repeatedly', trigger: { kind: 'afterProcessingTime', delay: '10s' } },
        late: { kind: 'afterCount', count: 1 },
      },
      allowedLateness: '10m',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'readings', kind: 'count' },
        { name: 'temperature_mean', kind: 'mean', field: 'temperature_c' },
        { name: 'temperature_min', kind: 'min', field: 'temperature_c' },
        { name: 'temperature_max', kind: 'max', field: 'temperature_c' },
        { name: 'temperature_quantiles', kind: 'approxQuantiles', field: 'temperature_c', quantiles: [0.5, 0.95] },
        { name: 'humidity_mean', kind: 'mean', field: 'humidity_pct' },
      ],
      partitions: 4,
    },
  ],
  retention: {
    rawArchive: { nearlineAfterDays: 30, coldlineAfterDays: 90, deleteAfterDays: 400 },
    tables: { events: 400, panes: 730, deadLetter: 30, lateData: 90, schemaDrift: 365 },
  },
  views: [
    {
      name: 'site_hourly',
      description: 'Mean temperature per site and hour, from the final per-device minutes.',
      sql: `SELECT e.device.site AS site,
       TIMESTAMP_TRUNC(m.window_start, HOUR) AS hour,
       AVG(m.temperature_mean) AS temperature_mean,
       SUM(m.readings) AS readings
FROM {{device_minute}} AS m
JOIN (SELECT DISTINCT device_id, device FROM {{events_dedup}}) AS e USING (device_id)
GROUP BY site, hour`,
    },
  ],
  schemaDrift: { unknownFields: 'keep', typeChanges: 'record' },
});
