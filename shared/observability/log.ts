/**
 * Structured logging for the stages: one JSON line per entry on stdout, which Cloud Run turns into
 * `jsonPayload` (with `severity` and `message` recognised). Metric lines are the contract with the
 * log-based metrics the infrastructure creates (`infra/observability.ts`).
 */

export const SLUICE_METRICS = {
  /** Processing time minus the watermark, per aggregation, each time a partition's watermark is computed. */
  WATERMARK_LAG: 'watermark_lag',
  /** Window end to pane written to BigQuery, per pane. */
  PANE_LATENCY: 'pane_latency',
  /** One line per record routed to the late-data sink. */
  LATE_RECORD: 'late_record',
  /** One line per record a stage sends to the dead-letter sink (with `reason`). */
  DEAD_LETTER: 'dead_letter',
} as const;
export type SluiceMetric = (typeof SLUICE_METRICS)[keyof typeof SLUICE_METRICS];

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface MetricFields {
  aggregation?: string;
  valueMs?: number;
  reason?: string;
  [extra: string]: unknown;
}

export interface Logger {
  log(severity: Severity, message: string, fields?: Record<string, unknown>): void;
  /** One metric line (see SLUICE_METRICS for the meaning of each). */
  metric(metric: SluiceMetric, fields?: MetricFields): void;
}

/** A logger that writes JSON lines through `write` (stdout by default; tests pass an array's push). */
export function createLogger(
  base: { pipeline: string; stage: string },
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit = (entry: Record<string, unknown>) => write(JSON.stringify(entry));
  return {
    log(severity, message, fields = {}) {
      emit({ severity, message, ...base, ...fields });
    },
    metric(metric, fields = {}) {
      emit({ severity: 'INFO', message: metric, sluiceMetric: metric, ...base, ...fields });
    },
  };
}
