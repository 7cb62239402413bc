import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it } from 'vitest';
import { Monitoring } from '../../../infra/components/monitoring';
import { observabilityPlan, SLUICE_METRICS } from '../../../infra/observability';
import { ofType, PROJECT, recordResources, settle, type Registered } from '../mocks';

const obs = observabilityPlan({
  prefix: 'sluice-x', pipeline: 'x', functionNames: ['sluice-x-ingest', 'sluice-x-transform'], deadLetterTopicNames: ['sluice-x-dead-letter', 'sluice-x-parking'],
  pushSubscriptionNames: ['s1', 's2'], thresholds: { watermarkLagMinutes: 15, paneLatencyMinutes: 10, backlogMinutes: 5 },
});

describe('Monitoring', () => {
  let all: Registered[];
  beforeEach(async () => {
    all = await recordResources();
  });

  it('creates the log metrics, alerts routed to every channel, a budget and the BigQuery quota', async () => {
    new Monitoring('mon', {
      project: PROJECT, displayPrefix: 'sluice-x', logMetrics: obs.logMetrics, alerts: obs.alerts,
      emails: ['a@example.com'], webhooks: [{ name: 'chat', url: pulumi.secret('https://chat.example/h') }],
      budget: { billingAccount: '012345-6789AB-CDEF01', projectNumber: '42', amount: 30, currency: 'EUR', thresholds: [0.5, 1] },
      queryUsageLimitMiBPerDay: 1024,
    });
    await settle();
    const metrics = ofType(all, 'gcp:logging/metric:Metric');
    expect(metrics.map((m) => m.inputs.name).sort()).toEqual(Object.values(SLUICE_METRICS).map((m) => `sluice-x/${m}`).sort());
    const lag = metrics.find((m) => m.inputs.name === 'sluice-x/watermark_lag')!;
    expect(lag.inputs).toMatchObject({ valueExtractor: 'EXTRACT(jsonPayload.valueMs)', metricDescriptor: { metricKind: 'DELTA', valueType: 'DISTRIBUTION', unit: 'ms' } });
    expect(lag.inputs.filter).toContain('jsonPayload.sluiceMetric="watermark_lag"');
    expect(lag.inputs.filter).toContain('resource.labels.service_name=("sluice-x-ingest" OR "sluice-x-transform")');
    const dl = metrics.find((m) => m.inputs.name === 'sluice-x/dead_letter')!;
    expect(dl.inputs.metricDescriptor.valueType).toBe('INT64');
    expect(dl.inputs.labelExtractors).toEqual({ stage: 'EXTRACT(jsonPayload.stage)', reason: 'EXTRACT(jsonPayload.reason)' });

    const channels = ofType(all, 'gcp:monitoring/notificationChannel:NotificationChannel');
    expect(channels.map((c) => c.inputs.type).sort()).toEqual(['email', 'webhook_tokenauth']);
    const policies = ofType(all, 'gcp:monitoring/alertPolicy:AlertPolicy');
    expect(policies).toHaveLength(obs.alerts.length);
    for (const p of policies) expect(p.inputs.notificationChannels).toHaveLength(2);
    const lagPolicy = policies.find((p) => p.inputs.displayName.includes('watermark lag'))!;
    expect(lagPolicy.inputs.conditions[0].conditionThreshold).toMatchObject({ thresholdValue: 15 * 60_000, aggregations: [{ perSeriesAligner: 'ALIGN_PERCENTILE_99' }] });

    const [budget] = ofType(all, 'gcp:billing/budget:Budget');
    expect(budget!.inputs).toMatchObject({
      billingAccount: '012345-6789AB-CDEF01', budgetFilter: { projects: ['projects/42'] },
      amount: { specifiedAmount: { currencyCode: 'EUR', units: '30' } },
    });
    expect(budget!.inputs.thresholdRules).toEqual([
      { thresholdPercent: 0.5, spendBasis: 'CURRENT_SPEND' }, { thresholdPercent: 1, spendBasis: 'CURRENT_SPEND' }, { thresholdPercent: 1, spendBasis: 'FORECASTED_SPEND' },
    ]);
    const [quota] = ofType(all, 'gcp:serviceusage/consumerQuotaOverride:ConsumerQuotaOverride');
    expect(quota!.inputs).toMatchObject({ service: 'bigquery.googleapis.com', metric: 'bigquery.googleapis.com%2Fquota%2Fquery%2Fusage', limit: '%2Fd%2Fproject', overrideValue: '1024' });
  });

  it('creates no budget or quota unless configured', async () => {
    new Monitoring('mon', { project: PROJECT, displayPrefix: 'x', logMetrics: obs.logMetrics, alerts: obs.alerts, emails: [], webhooks: [] });
    await settle();
    expect(ofType(all, 'gcp:billing/budget:Budget')).toEqual([]);
    expect(ofType(all, 'gcp:serviceusage/consumerQuotaOverride:ConsumerQuotaOverride')).toEqual([]);
  });

  it.each([
    [{ alerts: [{ ...obs.alerts[0]!, logMetric: 'missing' }] }, /log metric "missing" is not defined/],
    [{ logMetrics: [{ ...obs.logMetrics[0]!, valueField: undefined }] }, /needs valueField/],
    [{ queryUsageLimitMiBPerDay: 0 }, /whole number of MiB > 0/],
  ])('rejects %#', (over, message) => {
    expect(() => new Monitoring('bad', { project: PROJECT, displayPrefix: 'x', logMetrics: obs.logMetrics, alerts: [], emails: [], webhooks: [], ...over })).toThrow(message);
  });
});
