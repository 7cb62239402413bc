/**
 * The ingest and deadletter handlers on the emulator clients, wired as their entry points wire
 * them (`functions/ingest`, `functions/deadletter`: ports from `cloudPorts`), with quiet logs:
 * shared by the emulator harnesses that serve the stages in-process.
 */
import type { Clients } from '../../shared/adapters/clients';
import { cloudPorts } from '../../shared/adapters';
import { createLogger } from '../../shared/observability/log';
import type { AnyPipeline } from '../../shared/pipeline';
import { systemClock } from '../../shared/ports';
import { createDeadLetterHandler, type DeadLetterHandler, deadLetterResourcesOf } from '../../shared/stages/deadletter';
import { createIngestHandler, type IngestDeps, type IngestHandler, ingestResourcesOf } from '../../shared/stages/ingest';
import type { Topology } from '../../shared/topology';

const quiet = (): void => {};

export function ingestOnEmulators(pipeline: AnyPipeline, topology: Topology, clients: Clients, extra: Partial<IngestDeps> = {}): IngestHandler {
  const ports = cloudPorts(clients);
  return createIngestHandler({
    ...ingestResourcesOf(topology),
    definition: pipeline,
    publisher: ports.publisher(),
    store: ports.objectStore(),
    state: ports.stateStore({ timestampFields: ['expireAt'] }),
    clock: systemClock,
    logger: createLogger({ pipeline: pipeline.name, stage: 'ingest' }, quiet),
    groupCommitDelayMs: 30,
    ...extra,
  });
}

export function deadLetterOnEmulators(pipeline: AnyPipeline, topology: Topology, clients: Clients): DeadLetterHandler {
  const ports = cloudPorts(clients);
  return createDeadLetterHandler({
    ...deadLetterResourcesOf(topology),
    pipeline: pipeline.name,
    sink: ports.sink(topology.dataset.id),
    publisher: ports.publisher(),
    clock: systemClock,
    groupCommitDelayMs: 20,
    logger: createLogger({ pipeline: pipeline.name, stage: 'deadletter' }, quiet),
  });
}
