/** Shared fixtures of the ingest unit tests: definitions, push events, a handler over the ports' fakes. */
import { getPipeline } from '../../../../pipelines';
import { createLogger } from '../../../../shared/observability/log';
import { FakeClock, FakeObjectStore, FakePublisher, FakeStateStore } from '../../../../shared/ports';
import { createIngestHandler, type IngestDeps, type IngestDefinition } from '../../../../shared/stages/ingest';

export const iot = getPipeline('iot-sensors') as IngestDefinition;
export const clickstream = getPipeline('clickstream') as IngestDefinition;

/** A CDC-only pipeline: ids from the source position, times from ts_ms. */
export const orders: IngestDefinition = {
  name: 'orders',
  source: { formats: ['cdc-debezium'], eventId: { from: 'cdcPosition' }, eventTime: { from: 'cdcTimestamp' } },
};

/** CSV without a header row. */
export const headerless: IngestDefinition = {
  name: 'meters',
  source: {
    formats: ['csv'],
    csv: { header: false, columns: ['meter', 'at', 'kwh'], delimiter: ';' },
    eventId: { from: 'contentHash' },
    eventTime: { from: 'field', path: 'at', format: 'epochS' },
  },
};

export const PROJECT = 'sluice-local';
export const RAW_TOPIC = `projects/${PROJECT}/topics/t-raw`;
export const FILES_TOPIC = `projects/${PROJECT}/topics/t-files`;
export const PUBLISH_ISO = '2026-03-01T10:00:00.000Z';
export const PUBLISH_MS = Date.parse(PUBLISH_ISO);

let nextId = 1;
/** A push CloudEvent as functions-framework hands it to the function. */
export function pushEvent(data: string | Buffer, attributes: Record<string, string> = {}, topic = RAW_TOPIC, messageId?: string) {
  const id = messageId ?? `m${nextId++}`;
  return {
    source: `//pubsub.googleapis.com/${topic}`,
    id,
    data: {
      message: { data: Buffer.from(data).toString('base64'), attributes, messageId: id, publishTime: PUBLISH_ISO },
    },
  };
}

export function reading(i: number, extra: Record<string, unknown> = {}) {
  return {
    reading_id: `r-${i}`,
    device_id: `dev-${i % 3}`,
    // Measured before the publish (i < 1000): readings are not from the future (watermark.maxFutureSkew).
    measured_at: new Date(PUBLISH_MS - 1_000_000 + i * 1000).toISOString(),
    temperature_c: 20 + i / 10,
    ...extra,
  };
}

export function setup(definition: IngestDefinition = iot, overrides: Partial<IngestDeps> = {}) {
  const clock = new FakeClock(PUBLISH_MS + 5_000);
  const publisher = new FakePublisher();
  const store = new FakeObjectStore();
  const state = new FakeStateStore();
  const lines: string[] = [];
  const handler = createIngestHandler({
    definition,
    publisher,
    store,
    state,
    clock,
    logger: createLogger({ pipeline: definition.name, stage: 'ingest' }, (l) => lines.push(l)),
    topics: { events: 'events', deadLetter: 'dead-letter' },
    sourceTopics: { raw: RAW_TOPIC, files: FILES_TOPIC },
    buckets: { rawArchive: 'raw-archive', landing: 'landing' },
    filesCollection: 'pipelines/x/files',
    groupCommitDelayMs: 30,
    ...overrides,
  });
  return { clock, publisher, store, state, handler, lines };
}

export const settle = () => new Promise((r) => setTimeout(r, 0));
