/** window-aggregator entry point: wiring only (logic in shared/stages/aggregator). */
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { cloudPorts, createClients } from '../../shared/adapters';
import { createLogger } from '../../shared/observability/log';
import { systemClock } from '../../shared/ports/clock';
import { createAggregatorHandler, type AggregatorDeps, type PubSubCloudEvent } from '../../shared/stages/aggregator';
import { RandomFaultInjector, withInjectedFaults } from '../../shared/stages/injected-faults';
import { loadStageContext } from '../../shared/stages/stage-context';

export { createAggregatorHandler };

const ctx = loadStageContext();
const ports = cloudPorts(createClients(ctx.clients));
const deps: AggregatorDeps = {
  pipeline: ctx.pipeline,
  topology: ctx.topology,
  store: ports.stateStore({ timestampFields: ['expireAt'] }),
  sink: ports.sink(ctx.topology.dataset.id),
  publisher: ports.publisher(),
  clock: systemClock,
  logger: createLogger({ pipeline: ctx.pipeline.name, stage: 'aggregator' }),
  ...(ctx.faults ? { faults: new RandomFaultInjector(ctx.faults) } : {}),
};
const handler = createAggregatorHandler(deps);
const handle = withInjectedFaults('aggregator', ctx.faults, (event: CloudEvent<PubSubCloudEvent['data']>) => handler({ source: event.source, data: event.data }), { crash: false });

functions.cloudEvent<PubSubCloudEvent['data']>(ctx.topology.functions.aggregator.entryPoint, handle);
