/**
 * The ingest and deadletter handlers on the emulator clients, wired as their entry points wire
 * them (`functions/ingest`, `functions/deadletter`), with quiet logs: shared by the emulator
 * harnesses that serve the stages in-process.
 */
import type { Clients } from '../../shared/adapters/clients';
import { BigQuerySink, FirestoreStateStore, GcsObjectStore, PubSubPublisher } from '../../shared/adapters';
import { createLogger } from '../../shared/observability/log';
import type { AnyPipeline } from '../../shared/pipeline';
import { systemClock } from '../../shared/ports';
import { createDeadLetterHandler, type DeadLetterHandler, deadLetterResourcesOf } from '../../shared/stages/deadletter';
import { createIngestHandler, type IngestDeps, type IngestHandler, ingestResourcesOf } from '../../shared/stages/ingest';
import type { Topology } from '../../shared/topology';

const quiet = (): void => {};

export function ingestOnEmulators(pipeline: AnyPipeline, topology: Topology, clients: Clients, extra: Partial<IngestDeps> = {}): IngestHandler {
  return createIngestHandler({
    ...ingestResourcesOf(topology),
    definition: pipeline,
    publisher: new PubSubPublisher(clients.pubsub),
    store: new GcsObjectStore(clients.storage),
    state: new FirestoreStateStore(clients.firestore, { timestampFields: ['expireAt'] }),
    clock: systemClock,
    logger: createLogger({ pipeline: pipeline.name, stage: 'ingest' }, quiet),
    groupCommitDelayMs: 30,
    ...extra,
  });
}

export function deadLetterOnEmulators(pipeline: AnyPipeline, topology: Topology, clients: Clients): DeadLetterHandler {
  return createDeadLetterHandler({
    ...deadLetterResourcesOf(topology),
    pipeline: pipeline.name,
    sink: new BigQuerySink(clients.bigquery, topology.dataset.id),
    publisher: new PubSubPublisher(clients.pubsub),
    clock: systemClock,
    groupCommitDelayMs: 20,
    logger: createLogger({ pipeline: pipeline.name, stage: 'deadletter' }, quiet),
  });
}
