/**
 * deadletter: the dead-letter topic pushes here; rows go to BigQuery `dead_letter`, refused rows to
 * the parking topic. Wiring only; the stage lives in `shared/stages/deadletter`.
 */
import * as functions from '@google-cloud/functions-framework';
import { cloudPorts, createClients } from '../../shared/adapters';
import { createLogger } from '../../shared/observability/log';
import { systemClock } from '../../shared/ports';
import { createDeadLetterHandler, deadLetterResourcesOf } from '../../shared/stages/deadletter';
import { loadStageContext } from '../../shared/stages/stage-context';

export { createDeadLetterHandler } from '../../shared/stages/deadletter';

const { pipeline, topology, clients: config } = loadStageContext();
const ports = cloudPorts(createClients(config));

/** The wired handler (its running totals are handy when the module is served in tests). */
export const deadletterHandler = createDeadLetterHandler({
  ...deadLetterResourcesOf(topology),
  pipeline: pipeline.name,
  sink: ports.sink(topology.dataset.id),
  publisher: ports.publisher(),
  clock: systemClock,
  groupCommitDelayMs: 20,
  logger: createLogger({ pipeline: pipeline.name, stage: 'deadletter' }),
});

functions.cloudEvent(topology.functions.deadletter.entryPoint, async (event: functions.CloudEvent<unknown>) => {
  await deadletterHandler(event);
});
