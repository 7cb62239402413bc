/**
 * The few structured errors sluice raises. Each carries a stable `code` that the stages map to an
 * outcome: permanent errors go to the dead-letter sink (and the message is acked), transient ones
 * are thrown so Pub/Sub redelivers. Messages state the rule and, where there is one, the fix.
 */

export abstract class SluiceError extends Error {
  abstract readonly code: string;
  /** True when retrying the same input can succeed. */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An invalid window, trigger, measure or pipeline specification. Raised at definition load. */
export class SpecError extends SluiceError {
  readonly code = 'SPEC_INVALID';
  readonly retryable = false;
  /** Dotted path of the offending field, e.g. `aggregations[0].window.size`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/** Invalid process configuration (environment variables, stack config). */
export class ConfigError extends SluiceError {
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/**
 * Input that can never be processed: undecodable, missing event time, failed a schema or quality
 * rule. Permanent: dead-lettered with `reason`, never retried.
 */
export class DecodeError extends SluiceError {
  readonly code = 'DECODE_FAILED';
  readonly retryable = false;
  /** A short machine-readable reason, e.g. `invalid_json`, `missing_event_time`, `schema:required`. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A failure that may succeed on retry (network, quota, contention, unavailable). */
export class TransientError extends SluiceError {
  readonly code = 'TRANSIENT';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** gRPC status codes that are worth retrying (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE). */
const RETRYABLE_GRPC_CODES = new Set([2, 4, 8, 10, 13, 14]);
/** HTTP statuses that are worth retrying. */
const RETRYABLE_HTTP_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);
/** Node network error codes that are worth retrying. */
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Whether an error is transient. Sluice's own errors say so themselves; for errors from cloud
 * clients the decision is an explicit list of gRPC codes, HTTP statuses and network codes.
 * Anything unrecognised is treated as transient: redelivery is bounded by the subscription's
 * max delivery attempts, after which Pub/Sub dead-letters the message, so nothing is lost.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof SluiceError) return err.retryable;
  if (typeof err !== 'object' || err === null) return true;
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return RETRYABLE_GRPC_CODES.has(e.code) || RETRYABLE_HTTP_STATUSES.has(e.code);
  if (typeof e.code === 'string' && RETRYABLE_NODE_CODES.has(e.code)) return true;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined) return RETRYABLE_HTTP_STATUSES.has(status) || status >= 500;
  return true;
}
