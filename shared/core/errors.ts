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

/**
 * A message whose effect would break a documented limit of a service (a Firestore document over
 * 1 MiB, a ledger bucket too full): retrying the same message fails the same way, so it is
 * permanent — dead-lettered with `reason` on its first delivery rather than stalling its partition.
 */
export class LimitError extends SluiceError {
  readonly code = 'LIMIT_EXCEEDED';
  readonly retryable = false;
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
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

/**
 * gRPC status codes that say the request itself is wrong, so the same request always fails:
 * INVALID_ARGUMENT (a Firestore document or request over its size limit, a bad value) and
 * OUT_OF_RANGE. Every other code — NOT_FOUND and PERMISSION_DENIED included, which right after a
 * deployment are IAM or resource propagation — is retried, bounded by the subscription's delivery
 * attempts.
 */
const PERMANENT_GRPC_CODES: ReadonlyMap<number, string> = new Map([
  [3, 'invalid_argument'],
  [11, 'out_of_range'],
]);
/** HTTP statuses of a request that can never succeed as sent (BigQuery, Cloud Storage). */
const PERMANENT_HTTP_STATUSES: ReadonlyMap<number, string> = new Map([
  [400, 'bad_request'],
  [413, 'payload_too_large'],
]);

/**
 * The one decision every handler makes on a failure: the catalogued reason of a PERMANENT failure
 * (dead-letter the message with it on this delivery, ack), or undefined for a TRANSIENT one (throw:
 * Pub/Sub redelivers). Sluice's own errors say so themselves; a `RangeError` (a value outside what
 * a client or limit accepts, e.g. a Timestamp after 9999) is permanent; errors from cloud clients
 * are permanent only for the explicit codes above. Anything unrecognised is transient.
 */
export function permanentReason(err: unknown): string | undefined {
  if (err instanceof SluiceError) {
    if (err.retryable) return undefined;
    const reason = (err as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : err.code.toLowerCase();
  }
  if (err instanceof RangeError) return 'out_of_range';
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return PERMANENT_GRPC_CODES.get(e.code) ?? PERMANENT_HTTP_STATUSES.get(e.code);
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  return status === undefined ? undefined : PERMANENT_HTTP_STATUSES.get(status);
}

/** Whether an error is transient (worth redelivering): `permanentReason` has none for it. */
export function isRetryable(err: unknown): boolean {
  return permanentReason(err) === undefined;
}
