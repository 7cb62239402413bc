import type { AlertArgs, LogMetricArgs } from './components';

// The structured-log contract between the stages and these metrics lives with the stages'
// logger: one JSON line with `sluiceMetric`, `pipeline`, `stage`, `aggregation`, `valueMs`, `reason`.
import { SLUICE_METRICS, type SluiceMetric } from '../shared/observability/log';

export { SLUICE_METRICS, type SluiceMetric };

export interface ObservabilityInput {
  /** Resource prefix, e.g. `sluice-iot-sensors`; metric names and filters derive from it. */
  prefix: string;
  pipeline: string;
  /** Cloud Run service names of the stages (their function names). */
  functionNames: string[];
  /** Topics Pub/Sub dead-letters to (the dead-letter topic and the parking topic behind it). */
  deadLetterTopicNames: string[];
  pushSubscriptionNames: string[];
  thresholds: { watermarkLagMinutes: number; paneLatencyMinutes: number; backlogMinutes: number };
}

/** Log-based metrics and alert policies for one pipeline. */
export function observabilityPlan(input: ObservabilityInput): { logMetrics: LogMetricArgs[]; alerts: AlertArgs[] } {
  const services = input.functionNames.map((n) => `"${n}"`).join(' OR ');
  const base = `resource.type="cloud_run_revision" AND resource.labels.service_name=(${services}) AND jsonPayload.pipeline="${input.pipeline}"`;
  const metricName = (m: SluiceMetric): string => `${input.prefix}/${m}`;
  const labels = (...keys: ('stage' | 'aggregation' | 'reason')[]): LogMetricArgs['labels'] =>
    keys.map((k) => ({ key: k, field: `jsonPayload.${k}`, description: `the log line's ${k}` }));

  const logMetrics: LogMetricArgs[] = [
    {
      name: metricName(SLUICE_METRICS.WATERMARK_LAG),
      description: 'Processing time minus watermark (ms), per aggregation: how far results trail real time.',
      filter: `${base} AND jsonPayload.sluiceMetric="${SLUICE_METRICS.WATERMARK_LAG}"`,
      kind: 'distribution',
      valueField: 'jsonPayload.valueMs',
      unit: 'ms',
      labels: labels('aggregation'),
    },
    {
      name: metricName(SLUICE_METRICS.PANE_LATENCY),
      description: 'Window end to pane written (ms), per aggregation.',
      filter: `${base} AND jsonPayload.sluiceMetric="${SLUICE_METRICS.PANE_LATENCY}"`,
      kind: 'distribution',
      valueField: 'jsonPayload.valueMs',
      unit: 'ms',
      labels: labels('aggregation'),
    },
    {
      name: metricName(SLUICE_METRICS.LATE_RECORD),
      description: 'Records behind the allowed lateness, routed to the late-data table.',
      filter: `${base} AND jsonPayload.sluiceMetric="${SLUICE_METRICS.LATE_RECORD}"`,
      kind: 'counter',
      unit: '1',
      labels: labels('aggregation'),
    },
    {
      name: metricName(SLUICE_METRICS.DEAD_LETTER),
      description: 'Records a stage rejected as permanently bad, by stage and reason.',
      filter: `${base} AND jsonPayload.sluiceMetric="${SLUICE_METRICS.DEAD_LETTER}"`,
      kind: 'counter',
      unit: '1',
      labels: labels('stage', 'reason'),
    },
  ];

  const userMetric = (m: SluiceMetric): string =>
    `metric.type="logging.googleapis.com/user/${metricName(m)}" AND resource.type="cloud_run_revision"`;
  const subs = input.pushSubscriptionNames.map((n) => `"${n}"`).join(' OR ');
  const alerts: AlertArgs[] = [
    {
      name: 'watermark-lag',
      displayName: `watermark lag p99 > ${input.thresholds.watermarkLagMinutes} min`,
      filter: userMetric(SLUICE_METRICS.WATERMARK_LAG),
      aligner: 'ALIGN_PERCENTILE_99',
      alignmentPeriodSeconds: 300,
      durationSeconds: 600,
      threshold: input.thresholds.watermarkLagMinutes * 60_000,
      logMetric: metricName(SLUICE_METRICS.WATERMARK_LAG),
      documentation:
        'Results trail event time by more than the threshold. Check the keyed subscription backlog, the aggregator\'s errors and whether the tick job runs (`sluice status`).',
    },
    {
      name: 'pane-latency',
      displayName: `pane latency p99 > ${input.thresholds.paneLatencyMinutes} min`,
      filter: userMetric(SLUICE_METRICS.PANE_LATENCY),
      aligner: 'ALIGN_PERCENTILE_99',
      alignmentPeriodSeconds: 300,
      durationSeconds: 600,
      threshold: input.thresholds.paneLatencyMinutes * 60_000,
      logMetric: metricName(SLUICE_METRICS.PANE_LATENCY),
      documentation: 'Panes reach BigQuery late. Check BigQuery insert errors in the aggregator logs and the outbox size (`sluice status`).',
    },
    {
      name: 'dead-letters',
      displayName: 'records dead-lettered by a stage',
      filter: userMetric(SLUICE_METRICS.DEAD_LETTER),
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_SUM',
      alignmentPeriodSeconds: 300,
      durationSeconds: 0,
      threshold: 0,
      logMetric: metricName(SLUICE_METRICS.DEAD_LETTER),
      documentation: 'A stage rejected input as permanently bad. Query the `dead_letter` table for the reasons; fix the producer or the definition, then replay.',
    },
    {
      name: 'delivery-exhausted',
      displayName: 'messages dead-lettered by Pub/Sub after max delivery attempts',
      filter: `metric.type="pubsub.googleapis.com/topic/send_message_operation_count" AND resource.type="pubsub_topic" AND resource.labels.topic_id=(${input.deadLetterTopicNames.map((n) => `"${n}"`).join(' OR ')})`,
      aligner: 'ALIGN_DELTA',
      reducer: 'REDUCE_SUM',
      alignmentPeriodSeconds: 300,
      durationSeconds: 0,
      threshold: 0,
      documentation:
        'Messages reached the dead-letter topic: either a stage dead-lettered them or a stage kept failing transiently until Pub/Sub gave up. Inspect the dead-letter subscription and the failing stage\'s logs.',
    },
    {
      name: 'backlog',
      displayName: `oldest unacked message > ${input.thresholds.backlogMinutes} min`,
      filter: `metric.type="pubsub.googleapis.com/subscription/oldest_unacked_message_age" AND resource.type="pubsub_subscription" AND resource.labels.subscription_id=(${subs})`,
      aligner: 'ALIGN_MAX',
      alignmentPeriodSeconds: 60,
      durationSeconds: 300,
      threshold: input.thresholds.backlogMinutes * 60,
      documentation: 'A stage is not keeping up or keeps failing. Check its errors and max instances.',
    },
  ];
  return { logMetrics, alerts };
}
