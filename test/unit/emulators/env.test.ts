import { describe, expect, it } from 'vitest';
import { STACK_ENV_KEYS, formatStackEnv, parseStackEnv, stackEnvRecord, type StackEnv } from '../../../emulators/env';
import { ConfigError } from '../../../shared/core/errors';

const sample: StackEnv = {
  SLUICE_PROJECT: 'sluice-local',
  GOOGLE_CLOUD_PROJECT: 'sluice-local',
  PUBSUB_EMULATOR_HOST: '127.0.0.1:40001',
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:40002',
  SLUICE_BIGQUERY_ENDPOINT: 'http://127.0.0.1:40003',
  SLUICE_BIGQUERY_GRPC_PORT: 40004,
  SLUICE_GCS_ENDPOINT: 'http://127.0.0.1:40005',
  METADATA_SERVER_DETECTION: 'none',
};

describe('stack env file', () => {
  it('round-trips through KEY=VALUE text', () => {
    const text = formatStackEnv(sample);
    expect(text.trimEnd().split('\n')).toHaveLength(STACK_ENV_KEYS.length);
    expect(parseStackEnv(text)).toEqual(sample);
  });

  it('ignores comments and blank lines, and defaults GOOGLE_CLOUD_PROJECT to SLUICE_PROJECT', () => {
    const { GOOGLE_CLOUD_PROJECT: _dropped, ...rest } = stackEnvRecord(sample);
    const text = ['# written by emulators:start', '', ...Object.entries(rest).map(([k, v]) => `${k}=${v}`)].join('\n');
    expect(parseStackEnv(text).GOOGLE_CLOUD_PROJECT).toBe('sluice-local');
  });

  it.each([
    ['PUBSUB_EMULATOR_HOST', undefined, /missing/],
    ['PUBSUB_EMULATOR_HOST', 'http://127.0.0.1:1', /host:port|127\.0\.0\.1:8085/],
    ['SLUICE_BIGQUERY_ENDPOINT', '127.0.0.1:9050', /http:\/\//],
    ['SLUICE_BIGQUERY_GRPC_PORT', 'abc', /9060/],
    ['METADATA_SERVER_DETECTION', 'auto', /"none"/],
    ['SLUICE_PROJECT', 'Bad_Project', /project id/],
  ])('rejects %s=%s naming the variable', (key, value, message) => {
    const record: Record<string, string | undefined> = { ...stackEnvRecord(sample), [key]: value };
    expect(() => parseStackEnv(record)).toThrow(ConfigError);
    expect(() => parseStackEnv(record)).toThrow(new RegExp(`^${key}: `));
    expect(() => parseStackEnv(record)).toThrow(message);
  });
});
