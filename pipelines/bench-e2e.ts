/**
 * The end-to-end benchmark's pipeline (`npm run bench:e2e`): iot-sensors' readings without the
 * enrichment, aggregated two ways — fixed 1-minute windows per device and per-device sessions —
 * with a short watermark (5 s out-of-orderness, 10 s idle) so a local run closes its windows
 * within seconds of the stream ending. Not an example for users.
 */
import { definePipeline } from '../shared/pipeline';
import { type SensorReading, sensorReadingSchema } from './iot-sensors';

export const benchE2e = definePipeline<SensorReading>({
  name: 'bench-e2e',
  description: 'End-to-end benchmark: per-device 1-minute statistics and per-device sessions.',
  source: {
    formats: ['json', 'ndjson'],
    eventId: { from: 'field', path: 'reading_id', fallback: 'contentHash' },
    eventTime: { from: 'field', path: 'measured_at', format: 'rfc3339' },
  },
  schema: sensorReadingSchema,
  expectations: [
    { id: 'temperature_plausible', kind: 'range', field: 'temperature_c', min: -60, max: 125 },
    { id: 'reading_fresh', kind: 'maxAge', maxAge: '7d', maxFuture: '5m' },
  ],
  pii: [],
  watermark: { maxOutOfOrderness: '5s', idleTimeout: '10s' },
  aggregations: [
    {
      name: 'device_minute',
      keyFields: ['device_id'],
      window: { kind: 'fixed', size: '1m' },
      trigger: { kind: 'afterWatermark', late: { kind: 'afterCount', count: 1 } },
      allowedLateness: '5m',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'readings', kind: 'count' },
        { name: 'temperature_sum', kind: 'sum', field: 'temperature_c' },
        { name: 'temperature_max', kind: 'max', field: 'temperature_c' },
      ],
      partitions: 4,
    },
    {
      name: 'device_sessions',
      keyFields: ['device_id'],
      window: { kind: 'sessions', gap: '20s' },
      trigger: { kind: 'afterWatermark', late: { kind: 'afterCount', count: 1 } },
      allowedLateness: '5m',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'readings', kind: 'count' },
        { name: 'temperature_sum', kind: 'sum', field: 'temperature_c' },
      ],
      partitions: 4,
    },
  ],
  retention: { rawArchive: { deleteAfterDays: 7 }, tables: { events: 7, panes: 7, deadLetter: 7, lateData: 7, schemaDrift: 7 } },
  views: [],
  schemaDrift: { unknownFields: 'keep', typeChanges: 'record' },
});
