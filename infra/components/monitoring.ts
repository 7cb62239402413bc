import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** A log-based metric over the stages' structured log lines. */
export interface LogMetricArgs {
  /** Metric name (`logging.googleapis.com/user/<name>`); `/` allowed. */
  name: string;
  description: string;
  /** Cloud Logging filter selecting the log entries. */
  filter: string;
  /**
   * `counter` counts matching entries; `distribution` records the number at `valueField`
   * (e.g. `jsonPayload.valueMs`) so alerts can use percentiles.
   */
  kind: 'counter' | 'distribution';
  valueField?: string;
  /** UCUM unit of the value (`ms`, `1`). */
  unit: string;
  /** Metric labels extracted from the entry (`key` → log field path). */
  labels: { key: string; field: string; description: string }[];
}

/** A threshold alert on one time series filter. */
export interface AlertArgs {
  /** Short stable name for the Pulumi resource. */
  name: string;
  displayName: string;
  /** Monitoring filter, e.g. `metric.type="logging.googleapis.com/user/x" AND resource.type="cloud_run_revision"`. */
  filter: string;
  /** Per-series aligner, e.g. `ALIGN_DELTA`, `ALIGN_PERCENTILE_99`, `ALIGN_MAX`. */
  aligner: string;
  /** Optional cross-series reducer, e.g. `REDUCE_SUM`. */
  reducer?: string;
  alignmentPeriodSeconds: number;
  /** How long the condition must hold before the alert opens; 0 = at once. */
  durationSeconds: number;
  threshold: number;
  /** Markdown shown in the incident: what it means and what to do. */
  documentation: string;
  /** The log-based metric this alert reads, by `LogMetricArgs.name` (it must exist before the policy). */
  logMetric?: string;
}

/** A monthly billing budget on this project, alerting the notification channels. */
export interface BudgetArgs {
  /** `XXXXXX-XXXXXX-XXXXXX`. */
  billingAccount: string;
  projectNumber: pulumi.Input<string>;
  amount: number;
  currency: string;
  /** Fractions of the budget at which to notify (actual spend), e.g. `[0.5, 0.9, 1]`. */
  thresholds: number[];
}

export interface MonitoringArgs {
  project: pulumi.Input<string>;
  /** Prefix for display names (the pipeline's resource prefix). */
  displayPrefix: string;
  logMetrics: LogMetricArgs[];
  alerts: AlertArgs[];
  /** Email notification channels. */
  emails: string[];
  /** Webhook notification channels for chat tools; URLs are secrets (they embed tokens). */
  webhooks: { name: string; url: pulumi.Input<string> }[];
  budget?: BudgetArgs;
  /**
   * A custom quota on BigQuery query usage per day for the whole project (MiB). BigQuery then
   * refuses queries past it: a hard cost guardrail on top of `maximumBytesBilled`.
   */
  queryUsageLimitMiBPerDay?: number;
}

/**
 * Observability and cost guardrails: log-based metrics from the stages' structured logs, alert
 * policies with email and webhook channels, a billing budget, and a BigQuery query-usage quota.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly channels: gcp.monitoring.NotificationChannel[];
  readonly metrics: Map<string, gcp.logging.Metric>;
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(args);
    super('sluice:infra:Monitoring', name, {}, opts);
    const parent = { parent: this };

    this.channels = [];
    args.emails.forEach((email, i) => {
      this.channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${i}`,
          { project: args.project, displayName: `${args.displayPrefix} alerts → ${email}`, type: 'email', labels: { email_address: email } },
          parent,
        ),
      );
    });
    for (const w of args.webhooks) {
      this.channels.push(
        new gcp.monitoring.NotificationChannel(
          `${name}-webhook-${w.name}`,
          {
            project: args.project,
            displayName: `${args.displayPrefix} alerts → ${w.name}`,
            type: 'webhook_tokenauth',
            labels: { url: pulumi.secret(w.url) },
          },
          parent,
        ),
      );
    }
    const channelIds = this.channels.map((c) => c.id);

    this.metrics = new Map();
    for (const m of args.logMetrics) {
      this.metrics.set(
        m.name,
        new gcp.logging.Metric(
          `${name}-metric-${m.name.replace(/[^a-zA-Z0-9-]+/g, '-')}`,
          {
            project: args.project,
            name: m.name,
            description: m.description,
            filter: m.filter,
            metricDescriptor: {
              metricKind: 'DELTA',
              valueType: m.kind === 'counter' ? 'INT64' : 'DISTRIBUTION',
              unit: m.unit,
              labels: m.labels.map((l) => ({ key: l.key, valueType: 'STRING', description: l.description })),
            },
            labelExtractors: Object.fromEntries(m.labels.map((l) => [l.key, `EXTRACT(${l.field})`])),
            ...(m.kind === 'distribution'
              ? {
                  valueExtractor: `EXTRACT(${m.valueField})`,
                  // 1 ms … ~4.6 h in 24 exponential buckets: sub-second to hours of lag.
                  bucketOptions: { exponentialBuckets: { numFiniteBuckets: 24, growthFactor: 2, scale: 1 } },
                }
              : {}),
          },
          parent,
        ),
      );
    }

    this.alertPolicies = args.alerts.map((a) => {
      const metric = a.logMetric === undefined ? undefined : this.metrics.get(a.logMetric);
      return new gcp.monitoring.AlertPolicy(
        `${name}-alert-${a.name}`,
        {
          project: args.project,
          displayName: `${args.displayPrefix}: ${a.displayName}`,
          combiner: 'OR',
          notificationChannels: channelIds,
          documentation: { content: a.documentation, mimeType: 'text/markdown' },
          alertStrategy: { autoClose: '86400s' },
          conditions: [
            {
              displayName: a.displayName,
              conditionThreshold: {
                filter: a.filter,
                comparison: 'COMPARISON_GT',
                thresholdValue: a.threshold,
                duration: `${a.durationSeconds}s`,
                trigger: { count: 1 },
                aggregations: [
                  {
                    alignmentPeriod: `${a.alignmentPeriodSeconds}s`,
                    perSeriesAligner: a.aligner,
                    ...(a.reducer ? { crossSeriesReducer: a.reducer } : {}),
                  },
                ],
              },
            },
          ],
        },
        // A policy on a log-based metric is rejected until the metric exists.
        { parent: this, dependsOn: metric ? [metric] : [] },
      );
    });

    if (args.budget) {
      const b = args.budget;
      new gcp.billing.Budget(
        `${name}-budget`,
        {
          billingAccount: b.billingAccount,
          displayName: `${args.displayPrefix} monthly budget`,
          budgetFilter: { projects: [pulumi.interpolate`projects/${b.projectNumber}`], calendarPeriod: 'MONTH' },
          amount: { specifiedAmount: { currencyCode: b.currency, units: String(Math.round(b.amount)) } },
          thresholdRules: [
            ...b.thresholds.map((t) => ({ thresholdPercent: t, spendBasis: 'CURRENT_SPEND' })),
            { thresholdPercent: 1, spendBasis: 'FORECASTED_SPEND' },
          ],
          allUpdatesRule: { monitoringNotificationChannels: channelIds, disableDefaultIamRecipients: false },
        },
        parent,
      );
    }

    if (args.queryUsageLimitMiBPerDay !== undefined) {
      new gcp.serviceusage.ConsumerQuotaOverride(
        `${name}-bq-query-usage`,
        {
          project: args.project,
          service: 'bigquery.googleapis.com',
          // The API wants these path segments URL-encoded.
          metric: encodeURIComponent('bigquery.googleapis.com/quota/query/usage'),
          limit: encodeURIComponent('/d/project'),
          overrideValue: String(args.queryUsageLimitMiBPerDay),
          force: true,
        },
        parent,
      );
    }

    this.registerOutputs({ alertPolicies: this.alertPolicies.map((p) => p.name) });
  }
}

function validate(args: MonitoringArgs): void {
  const metrics = new Set<string>();
  for (const m of args.logMetrics) {
    if (metrics.has(m.name)) throw new Error(`log metric ${m.name} is defined twice`);
    metrics.add(m.name);
    if (m.kind === 'distribution' && !m.valueField) {
      throw new Error(`log metric ${m.name}: a distribution needs valueField (the log field holding the number)`);
    }
  }
  for (const a of args.alerts) {
    if (a.logMetric !== undefined && !metrics.has(a.logMetric)) throw new Error(`alert ${a.name}: log metric "${a.logMetric}" is not defined`);
  }
  if (args.budget) {
    const b = args.budget;
    if (!(b.amount > 0)) throw new RangeError(`budget amount must be > 0; got ${b.amount}`);
    for (const t of b.thresholds) {
      if (!(t > 0 && t <= 10)) throw new RangeError(`budget threshold must be a fraction of the budget in (0, 10]; got ${t}`);
    }
  }
  const q = args.queryUsageLimitMiBPerDay;
  if (q !== undefined && (!Number.isInteger(q) || q <= 0)) {
    throw new RangeError(`queryUsageLimitMiBPerDay must be a whole number of MiB > 0; got ${q}`);
  }
}
