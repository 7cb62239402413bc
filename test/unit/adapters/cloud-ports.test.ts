import { afterAll, describe, expect, it } from 'vitest';
import { BigQuerySink, cloudPorts, createClients, FirestoreStateStore, GcsObjectStore, loadClientsConfig, PubSubPublisher, type Clients } from '../../../shared/adapters';
import { EnforcingPublisher, EnforcingSink, EnforcingStateStore } from '../../../shared/ports';

// Clients on unreachable endpoints: building ports never connects.
const env = { SLUICE_PROJECT: 'p', PUBSUB_EMULATOR_HOST: '127.0.0.1:9', FIRESTORE_EMULATOR_HOST: '127.0.0.1:9', SLUICE_BIGQUERY_ENDPOINT: 'http://127.0.0.1:9', SLUICE_GCS_ENDPOINT: 'http://127.0.0.1:9' };
const built: Clients[] = [];
const clientsWith = (enforce: string): Clients => {
  const clients = createClients(loadClientsConfig({ ...env, SLUICE_ENFORCE_CLOUD_LIMITS: enforce }));
  built.push(clients);
  return clients;
};
afterAll(async () => {
  await Promise.all(built.flatMap((c) => [c.pubsub.close(), c.firestore.terminate()]));
});

describe('cloudPorts', () => {
  it('puts every port behind the cloud rules when SLUICE_ENFORCE_CLOUD_LIMITS=1', () => {
    const ports = cloudPorts(clientsWith('1'));
    expect(ports.stateStore({ timestampFields: ['expireAt'] })).toBeInstanceOf(EnforcingStateStore);
    expect(ports.publisher()).toBeInstanceOf(EnforcingPublisher);
    expect(ports.sink('ds')).toBeInstanceOf(EnforcingSink);
    expect(ports.objectStore()).toBeInstanceOf(GcsObjectStore);
  });

  it('hands out the plain adapters otherwise (Google Cloud enforces its rules itself)', () => {
    const ports = cloudPorts(clientsWith('0'));
    expect(ports.stateStore()).toBeInstanceOf(FirestoreStateStore);
    expect(ports.publisher()).toBeInstanceOf(PubSubPublisher);
    expect(ports.sink('ds')).toBeInstanceOf(BigQuerySink);
  });
});
