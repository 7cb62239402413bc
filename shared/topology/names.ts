/**
 * Deterministic, valid GCP resource names. Every name derives from the pipeline name, an optional
 * environment prefix and (for globally unique bucket names) the project. When a composed name
 * would exceed a service's limit it is shortened with a stable hash, never cut blindly.
 */
import { ConfigError } from '../core/errors';
import { fnv1a32 } from '../core/hash';

/** Service naming rules, for validation here and assertions in tests. */
export const GCP_NAME_RULES = {
  /** Pub/Sub topic and subscription ids. */
  pubsub: /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/,
  /** Cloud Storage bucket names without dots. */
  bucket: /^(?!goog)(?!.*google)[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/,
  /** BigQuery dataset ids. */
  dataset: /^[A-Za-z0-9_]{1,1024}$/,
  /** BigQuery table and view names (the subset sluice uses). */
  table: /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/,
  /** Cloud Functions gen2 / Cloud Run service names. */
  function: /^[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?$/,
  /** IAM service account ids. */
  serviceAccount: /^[a-z](?:[a-z0-9-]{4,28}[a-z0-9])$/,
  /** Cloud Scheduler job ids. */
  schedulerJob: /^[A-Za-z0-9_-]{1,500}$/,
  /** GCP project ids. */
  project: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
  /** Region names such as `europe-west1`, `us-central1`. */
  region: /^[a-z]+-[a-z]+[0-9]+$/,
  /** Label values. */
  labelValue: /^[a-z0-9_-]{0,63}$/,
} as const;

const PREFIX = /^[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?$/;

/** Validates topology options; throws `ConfigError` naming the option and the rule. */
export function checkOptions(opts: { project: string; region: string; env: string; prefix?: string }): void {
  if (!GCP_NAME_RULES.project.test(opts.project) || opts.project.includes('--') || opts.project.includes('google')) {
    throw new ConfigError('project', `must be a GCP project id (6–30 lowercase letters, digits, hyphens; starts with a letter); got ${JSON.stringify(opts.project)}`);
  }
  if (!GCP_NAME_RULES.region.test(opts.region)) {
    throw new ConfigError('region', `must be a region such as 'europe-west1'; got ${JSON.stringify(opts.region)}`);
  }
  if (opts.env !== 'local' && opts.env !== 'cloud') {
    throw new ConfigError('env', `must be 'local' or 'cloud'; got ${JSON.stringify(opts.env)}`);
  }
  if (opts.prefix !== undefined && opts.prefix !== '' && (!PREFIX.test(opts.prefix) || opts.prefix.includes('--'))) {
    throw new ConfigError('prefix', `must be a lowercase letter then up to 11 lowercase letters, digits or single hyphens, not ending in '-'; got ${JSON.stringify(opts.prefix)}`);
  }
}

/** A 5-character base-36 hash of `s`: stable across machines and releases. */
export function shortHash(s: string): string {
  return fnv1a32(s).toString(36).padStart(7, '0').slice(-5);
}

/**
 * `head-tail` if it fits `maxLength`; otherwise `head` is shortened and a stable hash of the full
 * name inserted (`very-long-pipe-x1k9z-tail`), keeping the name unique and within the limit.
 */
export function fitName(head: string, tail: string, maxLength: number, separator = '-'): string {
  const full = tail ? `${head}${separator}${tail}` : head;
  if (full.length <= maxLength) return full;
  const hash = shortHash(full);
  const room = maxLength - hash.length - (tail ? tail.length + 2 * separator.length : separator.length);
  const cut = head.slice(0, Math.max(1, room)).replace(/[-_]+$/, '');
  return tail ? `${cut}${separator}${hash}${separator}${tail}` : `${cut}${separator}${hash}`;
}

/** The `[prefix-]pipeline` base every name starts from. */
export function baseName(pipeline: string, prefix?: string): string {
  return prefix ? `${prefix}-${pipeline}` : pipeline;
}

/** The environment variable a secret is mounted as: `clickstream-pii-hmac` → `SLUICE_SECRET_CLICKSTREAM_PII_HMAC`. */
export function secretEnvVar(secretId: string): string {
  return `SLUICE_SECRET_${secretId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The URL a push subscription targets: the stage's base URL (function URL, or localhost locally) + the delivery path. */
export function pushEndpoint(baseUrl: string, deliveryPath: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${deliveryPath}`;
}
