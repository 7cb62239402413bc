import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/core/errors';
import { loadStackConfig, type ConfigSource } from '../../infra/config';
import { valueOf } from './mocks';

const source = (values: Record<string, string>, secrets: string[] = []): ConfigSource => ({
  get: (k) => values[k],
  isSecret: (k) => secrets.includes(k),
});
const minimal = { 'gcp:project': 'proj-1', 'gcp:region': 'europe-west1', 'sluice:pipeline': 'iot-sensors' };

function configErrorOf(values: Record<string, string>, secrets: string[] = []): ConfigError {
  try {
    loadStackConfig(source(values, secrets));
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadStackConfig', () => {
  it('reads the minimal stack with locations defaulting to the region and nothing optional', () => {
    const c = loadStackConfig(source(minimal));
    expect(c).toMatchObject({ project: 'proj-1', region: 'europe-west1', pipeline: 'iot-sensors', firestoreLocation: 'europe-west1', createFirestoreDatabase: true, alertEmails: [], chatWebhooks: [], protectData: true });
    expect(c.budget).toBeUndefined();
    expect(c.queryUsageLimitMiBPerDay).toBeUndefined();
  });

  it.each([
    ['gcp:project', {}],
    ['gcp:region', { 'gcp:project': 'p' }],
    ['sluice:pipeline', { 'gcp:project': 'p', 'gcp:region': 'r' }],
  ])('names the missing required key %s and how to set it', (key, values) => {
    const e = configErrorOf(values);
    expect(e.variable).toBe(key);
    expect(e.message).toContain(`pulumi config set ${key}`);
  });

  it.each<[Record<string, string>, string]>([
    [{ 'sluice:alertEmails': 'oncall@example.com' }, 'sluice:alertEmails'],
    [{ 'sluice:alertEmails': '["not-an-email"]' }, 'sluice:alertEmails'],
    [{ 'sluice:billingAccount': '012345-6789AB-CDEF01' }, 'sluice:monthlyBudget'],
    [{ 'sluice:monthlyBudget': '50' }, 'sluice:billingAccount'],
    [{ 'sluice:monthlyBudget': '-5', 'sluice:billingAccount': '012345-6789AB-CDEF01' }, 'sluice:monthlyBudget'],
    [{ 'sluice:monthlyBudget': '5', 'sluice:billingAccount': 'nope' }, 'sluice:billingAccount'],
    [{ 'sluice:queryUsageLimitMiBPerDay': '1.5' }, 'sluice:queryUsageLimitMiBPerDay'],
    [{ 'sluice:protectData': 'yes' }, 'sluice:protectData'],
    [{ 'sluice:createFirestoreDatabase': 'no' }, 'sluice:createFirestoreDatabase'],
    [{ 'sluice:prefix': 'Bad_Prefix' }, 'sluice:prefix'],
    [{ 'gcp:project': 'P' }, 'gcp:project'],
    [{ 'gcp:region': 'europe' }, 'gcp:region'],
    [{ 'sluice:watermarkLagAlertMinutes': '0' }, 'sluice:watermarkLagAlertMinutes'],
  ])('rejects %j naming %s', (extra, key) => {
    expect(configErrorOf({ ...minimal, ...extra }).variable).toBe(key);
  });

  it('reads a budget, thresholds and guardrails', () => {
    const c = loadStackConfig(source({ ...minimal, 'sluice:billingAccount': '012345-6789AB-CDEF01', 'sluice:monthlyBudget': '25', 'sluice:queryUsageLimitMiBPerDay': '1048576', 'sluice:protectData': 'false', 'sluice:alertEmails': '["a@example.com","b@example.org"]' }));
    expect(c.budget).toEqual({ billingAccount: '012345-6789AB-CDEF01', amount: 25, currency: 'USD', thresholds: [0.5, 0.9, 1] });
    expect(c.queryUsageLimitMiBPerDay).toBe(1048576);
    expect(c.protectData).toBe(false);
    expect(c.alertEmails).toEqual(['a@example.com', 'b@example.org']);
  });

  it('requires chat webhooks to be a secret and keeps their URLs secret', async () => {
    const hooks = { 'sluice:chatWebhooks': '{"oncall":"https://chat.example/hook?token=t"}' };
    expect(configErrorOf({ ...minimal, ...hooks }).message).toMatch(/--secret/);
    const c = loadStackConfig(source({ ...minimal, ...hooks }, ['sluice:chatWebhooks']));
    expect(c.chatWebhooks.map((w) => w.name)).toEqual(['oncall']);
    expect(await valueOf(c.chatWebhooks[0]!.url)).toBe('https://chat.example/hook?token=t');
    expect(await pulumi.isSecret(c.chatWebhooks[0]!.url)).toBe(true);
    expect(configErrorOf({ ...minimal, 'sluice:chatWebhooks': '{"oncall":"http://insecure"}' }, ['sluice:chatWebhooks']).variable).toBe('sluice:chatWebhooks');
  });
});
