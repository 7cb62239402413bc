/**
 * ingest: the raw topic (streaming path) and the files topic (batch path) push here. Wiring only;
 * the stage lives in `shared/stages/ingest`.
 */
import * as functions from '@google-cloud/functions-framework';
import { cloudPorts, createClients } from '../../shared/adapters';
import { ConfigError } from '../../shared/core/errors';
import { createLogger } from '../../shared/observability/log';
import { systemClock } from '../../shared/ports';
import { createIngestHandler, ingestResourcesOf } from '../../shared/stages/ingest';
import { withInjectedFaults } from '../../shared/stages/injected-faults';
import { loadStageContext } from '../../shared/stages/stage-context';

export { createIngestHandler } from '../../shared/stages/ingest';

const { pipeline, topology, clients: config, faults } = loadStageContext();
const ports = cloudPorts(createClients(config));
/** Group-commit delay in ms (`SLUICE_GROUP_COMMIT_MS`, default 30): bounded extra latency per delivery. */
const delay = Number(process.env.SLUICE_GROUP_COMMIT_MS ?? '30');
if (!Number.isInteger(delay) || delay < 0 || delay > 1000) throw new ConfigError('SLUICE_GROUP_COMMIT_MS', `must be whole milliseconds in 0–1000; got ${process.env.SLUICE_GROUP_COMMIT_MS}`);

/** The wired handler (its running totals are handy when the module is served in tests). */
export const ingestHandler = createIngestHandler({
  ...ingestResourcesOf(topology),
  definition: pipeline,
  publisher: ports.publisher(),
  store: ports.objectStore(),
  state: ports.stateStore({ timestampFields: ['expireAt'] }),
  clock: systemClock,
  logger: createLogger({ pipeline: pipeline.name, stage: 'ingest' }),
  groupCommitDelayMs: delay,
  // A file claim outlives no invocation: after a timeout, the redelivery may resume at once.
  leaseMs: topology.functions.ingest.timeoutSeconds * 1000,
});

functions.cloudEvent(topology.functions.ingest.entryPoint, withInjectedFaults('ingest', faults, (event: functions.CloudEvent<unknown>) => ingestHandler(event), { crash: true }));
