/**
 * The ingest and deadletter stages served by functions-framework on a fresh, prefixed iot-sensors
 * topology bootstrapped on the emulators (push subscriptions to the two stages; the events
 * subscription stays pull, so the test reads what transform would receive).
 */
import type { Message } from '@google-cloud/pubsub';
import { bootstrapTopology } from '../../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../../emulators/serve';
import { getPipeline } from '../../../../pipelines';
import { decodeEventBundle, type Envelope } from '../../../../shared/messages';
import type { DeadLetterHandler } from '../../../../shared/stages/deadletter';
import type { IngestHandler, PushEvent } from '../../../../shared/stages/ingest';
import { type Topology, topologyFor } from '../../../../shared/topology';
import { captureDeliberateThrows } from '../../deliberate-throws';
import { freshPrefix, stackAdmin, stackClients, stackEnv, waitFor } from '../../helpers';
import { deadLetterOnEmulators, ingestOnEmulators } from '../../stage-handlers';

export interface ReceivedBundle {
  attributes: Record<string, string>;
  envelopes: Envelope[];
}

export interface IngestStack {
  topology: Topology;
  clients: ReturnType<typeof stackClients>;
  ingest: IngestHandler;
  deadletter: DeadLetterHandler;
  /** EventBundles received on the events topic (what transform would get). */
  bundles: ReceivedBundle[];
  /** When each simulated failure happened (epoch ms). */
  failures: number[];
  /** What functions-framework logged for the simulated failures (captured, not printed), in order. */
  failureLogs: readonly string[];
  envelopes(): Envelope[];
  publishRaw(data: string | Buffer, attributes?: Record<string, string>): Promise<string>;
  deadLetterRows(): Promise<Array<{ stage: string; reason: string; payload: string; event_id: string | null }>>;
  close(): Promise<void>;
}

export interface IngestStackOptions {
  bundleMaxBytes?: number;
  /** Make the first files-topic delivery fail after ingesting (a lost ack): Pub/Sub redelivers the very same notification. */
  failFirstFileAck?: boolean;
  /** Raw deliveries with this attribute set to `always` fail every time (a transient failure that never clears). */
  failAttribute?: string;
  /**
   * Bootstrap the raw subscription with 5 delivery attempts and a 0–1 s backoff instead of the
   * topology's 10 attempts and 10–600 s (the emulator honours backoff: ten attempts take minutes).
   */
  fastDeadLettering?: boolean;
}

export async function startIngestStack(tag: string, options: IngestStackOptions = {}): Promise<IngestStack> {
  const env = stackEnv();
  const clients = stackClients();
  const pipeline = getPipeline('iot-sensors');
  const prefix = freshPrefix(tag);
  const topology = topologyFor(pipeline, { project: env.SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix });
  const ingest = ingestOnEmulators(pipeline, topology, clients, options.bundleMaxBytes ? { bundle: { maxBytes: options.bundleMaxBytes } } : {});
  const deadletter = deadLetterOnEmulators(pipeline, topology, clients);
  let failFileAck = options.failFirstFileAck ?? false;
  const failures: number[] = [];
  const throws = captureDeliberateThrows();
  const names = { ingest: `ingest-${prefix}`, deadletter: `deadletter-${prefix}` };
  const served: ServedFunctions = await serveFunctions({
    [names.ingest]: {
      cloudEvent: async (event) => {
        const attrs = (event.data as { message?: { attributes?: Record<string, string> } } | undefined)?.message?.attributes ?? {};
        if (options.failAttribute && attrs[options.failAttribute] === 'always') {
          failures.push(Date.now());
          throw throws.deliberate(new Error('simulated transient failure that never clears'));
        }
        const r = await ingest(event as PushEvent);
        if (failFileAck && r.path === 'file' && r.outcome === 'done') {
          failFileAck = false;
          throw throws.deliberate(new Error('simulated lost ack after the file was ingested'));
        }
      },
    },
    [names.deadletter]: {
      cloudEvent: async (event) => {
        await deadletter(event as PushEvent);
      },
    },
  });
  const created: Topology = options.fastDeadLettering
    ? {
        ...topology,
        subscriptions: topology.subscriptions.map((sub) =>
          sub.topic === 'raw' && sub.deadLetterPolicy
            ? { ...sub, retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 1 }, deadLetterPolicy: { ...sub.deadLetterPolicy, maxDeliveryAttempts: 5 } }
            : sub,
        ),
      }
    : topology;
  await bootstrapTopology(created, clients, {
    pushBaseUrl: (stage) => (stage === 'ingest' ? served.urlOf(names.ingest) : stage === 'deadletter' ? served.urlOf(names.deadletter) : undefined),
    unserved: 'pull',
    admin: stackAdmin(),
  });
  const bundles: ReceivedBundle[] = [];
  const eventsSub = clients.pubsub.subscription(topology.subscriptions.find((s) => s.topic === 'events')!.name);
  eventsSub.on('message', (m: Message) => {
    bundles.push({ attributes: m.attributes, envelopes: decodeEventBundle(m.data).envelopes });
    m.ack();
  });
  eventsSub.on('error', (err) => console.error('events subscription', err));
  const raw = clients.pubsub.topic(topology.topics.raw.name);
  const table = `\`${topology.project}.${topology.dataset.id}.dead_letter\``;
  return {
    topology,
    clients,
    ingest,
    deadletter,
    bundles,
    failures,
    failureLogs: throws.logged,
    envelopes: () => bundles.flatMap((b) => b.envelopes),
    publishRaw: (data, attributes = {}) => raw.publishMessage({ data: Buffer.from(data), attributes }),
    deadLetterRows: async () => {
      const [rows] = await clients.bigquery.query({ query: `SELECT stage, reason, payload, event_id FROM ${table}` });
      return rows as Array<{ stage: string; reason: string; payload: string; event_id: string | null }>;
    },
    close: async () => {
      await eventsSub.close();
      await ingest.drain();
      await served.close();
      throws.restore();
    },
  };
}

export { waitFor };
