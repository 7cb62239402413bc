/**
 * The deployed entry points, as functions-framework loads them: `functions/ingest` and
 * `functions/deadletter` configured from the environment only (what the topology sets), served,
 * and pushed to by the bootstrapped subscriptions.
 */
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTopology } from '../../../../emulators/bootstrap';
import { stackEnvRecord } from '../../../../emulators/env';
import { serveRegistered, type ServedFunctions } from '../../../../emulators/serve';
import { getPipeline } from '../../../../pipelines';
import { decodeEventBundle, type Envelope } from '../../../../shared/messages';
import { type Topology, topologyFor } from '../../../../shared/topology';
import { stackAdmin, stackClients, stackEnv, waitFor } from '../../helpers';

describe('ingest and deadletter entry points', () => {
  const clients = stackClients();
  let topology: Topology;
  let served: ServedFunctions;
  const received: Envelope[] = [];
  let close: () => Promise<void>;

  beforeAll(async () => {
    const prefix = `ep${Date.now().toString(36).slice(-6)}`;
    topology = topologyFor(getPipeline('iot-sensors'), { project: stackEnv().SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix });
    Object.assign(process.env, stackEnvRecord(stackEnv()), topology.functions.ingest.env, { SLUICE_PREFIX: prefix, SLUICE_GROUP_COMMIT_MS: '20' });
    await import('../../../../functions/ingest/index');
    await import('../../../../functions/deadletter/index');
    served = await serveRegistered([topology.functions.ingest.entryPoint, topology.functions.deadletter.entryPoint]);
    await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'ingest' || stage === 'deadletter' ? served.urlOf(topology.functions[stage].entryPoint) : undefined),
      admin: stackAdmin(),
    });
    const sub = clients.pubsub.subscription(topology.subscriptions.find((s) => s.topic === 'events')!.name);
    sub.on('message', (m: Message) => {
      received.push(...decodeEventBundle(m.data).envelopes);
      m.ack();
    });
    close = async () => {
      await sub.close();
      await served.close();
    };
  });
  afterAll(async () => {
    await close();
  });

  it('a good event reaches the events topic and a bad one the dead_letter table', async () => {
    const raw = clients.pubsub.topic(topology.topics.raw.name);
    await raw.publishMessage({ data: Buffer.from(JSON.stringify({ reading_id: 'ep-1', device_id: 'dev-1', measured_at: '2026-03-01T10:00:00Z', temperature_c: 20 })) });
    await raw.publishMessage({ data: Buffer.from('{"reading_id": "ep-2", "measured_at": "not a time"}') });
    await waitFor('the good event', () => (received.length > 0 ? true : undefined));
    expect(received.map((e) => [e.eventId, e.eventTime])).toEqual([['ep-1', Date.parse('2026-03-01T10:00:00Z')]]);
    const table = `\`${topology.project}.${topology.dataset.id}.dead_letter\``;
    const rows = await waitFor('the dead letter row', async () => {
      const [r] = await clients.bigquery.query({ query: `SELECT stage, reason, event_id FROM ${table}` });
      return r.length > 0 ? r : undefined;
    });
    expect(rows).toEqual([{ stage: 'ingest', reason: 'invalid_event_time', event_id: null }]);
  });
});
