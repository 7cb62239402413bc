/**
 * The front of the pipeline on the emulators: ingest, transform and deadletter served in-process
 * by functions-framework (the same handlers the entry points wire) on a fresh, prefixed topology
 * of a test pipeline, bootstrapped with push subscriptions to the three stages. The aggregator is
 * not served, so the keyed subscription stays pull (`unserved: 'pull'`) and the test reads it.
 *
 * The test pipeline accepts every format (JSON, NDJSON, CSV, Debezium CDC), hashes and masks PII
 * and declares one expectation of each kind, so one stack exercises every path of the chain.
 */
import type { CloudEventFunction } from '@google-cloud/functions-framework';
import type { Message } from '@google-cloud/pubsub';
import { bootstrapTopology } from '../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../emulators/serve';
import { cloudPorts } from '../../../shared/adapters';
import { decodeKeyedMessage, type KeyedBundle } from '../../../shared/messages';
import { type AnyPipeline, definePipeline } from '../../../shared/pipeline';
import { systemClock } from '../../../shared/ports';
import type { DeadLetterHandler } from '../../../shared/stages/deadletter';
import type { IngestHandler, PushEvent } from '../../../shared/stages/ingest';
import { CloudSideInputLoader, createTransformHandler, type TransformHandler } from '../../../shared/stages/transform';
import { type Topology, topologyFor } from '../../../shared/topology';
import { freshPrefix, stackAdmin, stackClients, stackEnv, waitFor } from '../helpers';
import { deadLetterOnEmulators, ingestOnEmulators } from '../stage-handlers';

/** A type alias (not an interface) so it is assignable to the stages' `Record<string, unknown>`. */
export type Order = {
  order_id: string;
  customer_email: string;
  ip: string;
  ordered_at: string;
  amount: number;
  quantity: number;
  status: string;
  sku: string;
  country?: string;
};

/** The PII secret id and its local stand-in value (as `npm run dev` gives a stage: never a real secret). */
export const PII_SECRET = 'chain-pii-hmac';
export const PII_KEY = `sluice-local-${PII_SECRET}`;
export const PARTITIONS = 4;
export const ALLOWED_STATUS = ['new', 'paid', 'shipped'];
export const MAX_AMOUNT = 10_000;

export const chainPipeline = definePipeline<Order>({
  name: 'chain-orders',
  source: {
    formats: ['json', 'ndjson', 'csv', 'cdc-debezium'],
    csv: { header: true },
    eventId: { from: 'field', path: 'order_id' },
    eventTime: { from: 'field', path: 'ordered_at', format: 'rfc3339' },
  },
  schema: {
    type: 'object',
    required: ['order_id', 'customer_email', 'ip', 'ordered_at', 'amount', 'quantity', 'status', 'sku'],
    properties: {
      order_id: { type: 'string', minLength: 1 },
      customer_email: { type: 'string' },
      ip: { type: 'string' },
      ordered_at: { type: 'string', format: 'date-time' },
      amount: { type: 'number' },
      quantity: { type: 'integer' },
      status: { type: 'string' },
      sku: { type: 'string' },
      country: { type: 'string' },
    },
  },
  expectations: [
    { id: 'amount_range', kind: 'range', field: 'amount', min: 0, max: MAX_AMOUNT },
    { id: 'sku_format', kind: 'regex', field: 'sku', pattern: '^SKU-[0-9]+$' },
    { id: 'status_allowed', kind: 'allowedValues', field: 'status', values: ALLOWED_STATUS },
    { id: 'fresh', kind: 'maxAge', maxAge: '7d', maxFuture: '5m' },
  ],
  pii: [
    { field: 'customer_email', action: 'hash', key: { secret: PII_SECRET } },
    { field: 'ip', action: 'mask', strategy: 'ipPrefix' },
  ],
  watermark: { maxOutOfOrderness: '10s', idleTimeout: '1m' },
  aggregations: [
    {
      name: 'country_minute',
      keyFields: ['country'],
      window: { kind: 'fixed', size: '1m' },
      trigger: { kind: 'afterWatermark' },
      allowedLateness: '0s',
      accumulation: 'DISCARDING',
      measures: [
        { name: 'orders', kind: 'count' },
        { name: 'revenue', kind: 'sum', field: 'amount' },
      ],
      partitions: PARTITIONS,
    },
  ],
  retention: { rawArchive: {} },
  schemaDrift: { unknownFields: 'keep', typeChanges: 'record' },
});

export interface ReceivedKeyed {
  orderingKey: string | undefined;
  attributes: Record<string, string>;
  bundle: KeyedBundle;
}

export interface ChainStack {
  topology: Topology;
  clients: ReturnType<typeof stackClients>;
  ingest: IngestHandler;
  transform: TransformHandler;
  deadletter: DeadLetterHandler;
  /** Keyed bundles pulled from the keyed topic (what the aggregator would get). */
  keyed: ReceivedKeyed[];
  publishRaw(data: string | Buffer, attributes?: Record<string, string>): Promise<string>;
  /** Writes an object to the landing bucket (its finalize notification starts the batch path). */
  land(name: string, data: string | Buffer): Promise<void>;
  /** Rows of a query; `{{t}}` in `sql` stands for the dataset prefix `project.dataset.`. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

export async function startChain(tag: string): Promise<ChainStack> {
  const env = stackEnv();
  const clients = stackClients();
  const ports = cloudPorts(clients);
  const pipeline: AnyPipeline = chainPipeline;
  const prefix = freshPrefix(tag);
  const topology = topologyFor(pipeline, { project: env.SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix });
  const quiet = () => {};
  const ingest = ingestOnEmulators(pipeline, topology, clients);
  const transform = createTransformHandler({
    pipeline,
    topology,
    sink: ports.sink(topology.dataset.id),
    publisher: ports.publisher(),
    state: ports.stateStore(),
    sideInputs: new CloudSideInputLoader({ objects: ports.objectStore(), maximumBytesBilled: 1e9 }),
    secret: (id) => (id === PII_SECRET ? PII_KEY : ''),
    clock: systemClock,
    logger: { log: quiet, metric: quiet },
    options: { groupCommit: { maxDelayMs: 30 } },
  });
  const deadletter = deadLetterOnEmulators(pipeline, topology, clients);
  const names = { ingest: `ingest-${prefix}`, transform: `transform-${prefix}`, deadletter: `deadletter-${prefix}` };
  const served: ServedFunctions = await serveFunctions({
    [names.ingest]: { cloudEvent: async (event) => void (await ingest(event as PushEvent)) },
    [names.transform]: { cloudEvent: transform as CloudEventFunction<unknown> },
    [names.deadletter]: { cloudEvent: async (event) => void (await deadletter(event as PushEvent)) },
  });
  const urls: Partial<Record<string, string>> = {
    ingest: served.urlOf(names.ingest),
    transform: served.urlOf(names.transform),
    deadletter: served.urlOf(names.deadletter),
  };
  await bootstrapTopology(topology, clients, { pushBaseUrl: (stage) => urls[stage], unserved: 'pull', admin: stackAdmin() });

  const keyed: ReceivedKeyed[] = [];
  const keyedSub = clients.pubsub.subscription(topology.subscriptions.find((s) => s.topic === 'keyed')!.name);
  keyedSub.on('message', (m: Message) => {
    keyed.push({ orderingKey: m.orderingKey, attributes: m.attributes, bundle: decodeKeyedMessage(m.data) as KeyedBundle });
    m.ack();
  });
  keyedSub.on('error', (err) => console.error('keyed subscription', err));
  const raw = clients.pubsub.topic(topology.topics.raw.name);
  const dataset = `${topology.project}.${topology.dataset.id}.`;
  return {
    topology,
    clients,
    ingest,
    transform,
    deadletter,
    keyed,
    publishRaw: (data, attributes = {}) => raw.publishMessage({ data: Buffer.from(data), attributes }),
    land: async (name, data) => {
      await clients.storage.bucket(topology.buckets.landing.name).file(name).save(data, { resumable: false });
    },
    query: async <T>(sql: string) => {
      const [rows] = await clients.bigquery.query({ query: sql.replaceAll('{{t}}', dataset) });
      return rows as T[];
    },
    close: async () => {
      await keyedSub.close();
      await ingest.drain();
      await served.close();
    },
  };
}

/** Polls until `count()` reaches `n` (waiting is not the assertion: callers compare what arrived). */
export async function waitForCount(what: string, n: number, count: () => Promise<number> | number, deadlineMs = 60_000): Promise<void> {
  await waitFor(what, async () => ((await count()) >= n ? true : undefined), deadlineMs).catch(() => undefined);
}

export { waitFor };
