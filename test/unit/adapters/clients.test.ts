import { describe, expect, it } from 'vitest';
import { loadClientsConfig } from '../../../shared/adapters/clients';
import { ConfigError } from '../../../shared/core/errors';

describe('loadClientsConfig', () => {
  it('reads the emulator endpoints of the local stack', () => {
    expect(
      loadClientsConfig({
        SLUICE_PROJECT: 'sluice-local',
        PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
        FIRESTORE_EMULATOR_HOST: '127.0.0.1:2',
        SLUICE_BIGQUERY_ENDPOINT: 'http://127.0.0.1:3',
        SLUICE_BIGQUERY_GRPC_PORT: '4',
        SLUICE_GCS_ENDPOINT: 'http://127.0.0.1:5',
      }),
    ).toEqual({
      projectId: 'sluice-local',
      pubsubEmulatorHost: '127.0.0.1:1',
      firestoreEmulatorHost: '127.0.0.1:2',
      bigqueryEndpoint: 'http://127.0.0.1:3',
      bigqueryGrpcPort: 4,
      gcsEndpoint: 'http://127.0.0.1:5',
    });
  });

  it('means real Google Cloud when no endpoint is set', () => {
    expect(loadClientsConfig({ GOOGLE_CLOUD_PROJECT: 'prod-project' })).toEqual({ projectId: 'prod-project' });
  });

  it.each([
    ['1', { enforceCloudLimits: true }],
    ['0', {}],
    ['', {}],
  ])('reads SLUICE_ENFORCE_CLOUD_LIMITS=%j', (value, expected) => {
    expect(loadClientsConfig({ SLUICE_PROJECT: 'p', SLUICE_ENFORCE_CLOUD_LIMITS: value })).toEqual({ projectId: 'p', ...expected });
  });

  it.each([
    [{}, /SLUICE_PROJECT/],
    [{ SLUICE_PROJECT: 'p', SLUICE_ENFORCE_CLOUD_LIMITS: 'yes' }, /SLUICE_ENFORCE_CLOUD_LIMITS.*1/],
    [{ SLUICE_PROJECT: 'p', STORAGE_EMULATOR_HOST: 'http://x:1' }, /STORAGE_EMULATOR_HOST.*SLUICE_GCS_ENDPOINT/],
    [{ SLUICE_PROJECT: 'p', BIGQUERY_EMULATOR_HOST: 'http://x:1' }, /BIGQUERY_EMULATOR_HOST.*SLUICE_BIGQUERY_ENDPOINT/],
    [{ SLUICE_PROJECT: 'p', SLUICE_BIGQUERY_GRPC_PORT: '70000' }, /SLUICE_BIGQUERY_GRPC_PORT/],
  ])('rejects %o', (env, message) => {
    expect(() => loadClientsConfig(env)).toThrow(ConfigError);
    expect(() => loadClientsConfig(env)).toThrow(message);
  });
});
