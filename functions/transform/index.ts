/**
 * transform entry point: wiring only. Configuration and clients are built once per instance; the
 * stage logic lives in shared/stages/transform. `SLUICE_TRANSFORM_GROUP_DELAY_MS` optionally
 * shortens the group-commit delay (the local stack uses it: emulator push has 2 deliveries in flight).
 */
import * as functions from '@google-cloud/functions-framework';
import { cloudPorts, createClients } from '../../shared/adapters';
import { systemClock } from '../../shared/ports';
import { withInjectedFaults } from '../../shared/stages/injected-faults';
import { loadStageContext } from '../../shared/stages/stage-context';
import { CloudSideInputLoader, createTransformHandler } from '../../shared/stages/transform';

export { createTransformHandler } from '../../shared/stages/transform';

/** Cap on the bytes one side-input query may bill (1 GiB). */
const SIDE_INPUT_MAX_BYTES_BILLED = 1024 ** 3;

const ctx = loadStageContext();
const clients = createClients(ctx.clients);
const ports = cloudPorts(clients);
const delay = Number(process.env.SLUICE_TRANSFORM_GROUP_DELAY_MS);
const handler = createTransformHandler({
  pipeline: ctx.pipeline,
  topology: ctx.topology,
  sink: ports.sink(ctx.topology.dataset.id),
  publisher: ports.publisher(),
  state: ports.stateStore(),
  sideInputs: new CloudSideInputLoader({
    objects: ports.objectStore(),
    bigquery: { query: async (o) => clients.bigquery.query(o) },
    queries: new Map(ctx.topology.sideInputs.flatMap((s) => (s.query ? [[s.name, s.query] as const] : []))),
    objectsByName: new Map(ctx.topology.sideInputs.flatMap((s) => (s.kind === 'gcs' ? [[s.name, { bucket: s.bucket!, object: s.object! }] as const] : []))),
    maximumBytesBilled: SIDE_INPUT_MAX_BYTES_BILLED,
  }),
  secret: (id) => ctx.secret(id),
  clock: systemClock,
  ...(Number.isFinite(delay) && delay >= 0 ? { options: { groupCommit: { maxDelayMs: delay } } } : {}),
});

functions.cloudEvent(ctx.topology.functions.transform.entryPoint, withInjectedFaults('transform', ctx.faults, handler, { crash: true }));
