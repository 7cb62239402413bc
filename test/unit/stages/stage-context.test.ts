import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/core/errors';
import { loadStageContext } from '../../../shared/stages/stage-context';

const base = { SLUICE_PIPELINE: 'iot-sensors', SLUICE_PROJECT: 'sluice-test', SLUICE_REGION: 'europe-west1', SLUICE_ENV: 'local' };

describe('loadStageContext', () => {
  it('rebuilds the topology from the bundled pipeline definition', () => {
    const ctx = loadStageContext(base);
    expect(ctx.pipeline.name).toBe('iot-sensors');
    expect(ctx.topology.project).toBe('sluice-test');
    expect(ctx.topology.env).toBe('local');
    expect(ctx.clients.projectId).toBe('sluice-test');
  });

  it.each([
    ['SLUICE_PIPELINE', { ...base, SLUICE_PIPELINE: undefined }],
    ['SLUICE_REGION', { ...base, SLUICE_REGION: undefined }],
    ['SLUICE_ENV', { ...base, SLUICE_ENV: 'prod' }],
    ['SLUICE_PIPELINE', { ...base, SLUICE_PIPELINE: 'nope' }],
  ])('names the variable %s when it is wrong', (variable, env) => {
    const err = (() => {
      try {
        loadStageContext(env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
  });

  it('reads secrets by id from SLUICE_SECRET_<ID> and names a missing one', () => {
    const ctx = loadStageContext({ ...base, SLUICE_SECRET_PII_HMAC_KEY: 's3cret' });
    expect(ctx.secret('pii-hmac-key')).toBe('s3cret');
    expect(() => ctx.secret('other')).toThrow(/SLUICE_SECRET_OTHER/);
  });
});
