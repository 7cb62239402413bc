/**
 * `DeadLetter`: a message that can never be processed, with why. Stages publish these to the
 * dead-letter topic and ack the original; the dead-letter sink writes them to BigQuery
 * `dead_letter`. Messages Pub/Sub itself dead-letters (after max delivery attempts) arrive raw and
 * are wrapped with `deadLetterFromPubsub`.
 */
import { DecodeError } from '../core/errors';
import { assertValid, assertVersion, WIRE_VERSION } from './codec';
import { type InputLimits, parseJsonGuarded, sanitizeAttributes } from './guards';
import type { Stage } from './stage';
import { validateDeadLetter } from './wire-validators.generated';

/** Raw payloads kept in a dead letter are capped (128 KiB, ≤ 171 KiB as base64) so the dead letter itself fits a push delivery. */
export const DEAD_LETTER_MAX_PAYLOAD_BYTES = 128 * 1024;

export interface DeadLetter {
  v: typeof WIRE_VERSION;
  kind: 'dead-letter';
  pipeline?: string;
  stage: Stage;
  /** Short machine-readable reason (`invalid_json`, `expectation:temp_range`, `max_delivery_attempts`, …). */
  reason: string;
  /** Human-readable detail: the rule and the fix. */
  message: string;
  /** The raw payload: UTF-8 text when it is valid text, else base64. */
  payload: string;
  payloadEncoding: 'text' | 'base64';
  /** Size of the original payload, in bytes (before any truncation). */
  payloadBytes: number;
  payloadTruncated: boolean;
  attributes: Record<string, string>;
  eventId?: string;
  /** Delivery attempt when it failed (1 = first delivery). */
  attempt: number;
  /** When it was dead-lettered, epoch ms. */
  at: number;
}


const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when the bytes are valid UTF-8 without control characters other than whitespace, else base64. */
function payloadOf(raw: string | Uint8Array, maxBytes: number): Pick<DeadLetter, 'payload' | 'payloadEncoding' | 'payloadBytes' | 'payloadTruncated'> {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const truncated = bytes.byteLength > maxBytes;
  const kept = truncated ? bytes.subarray(0, maxBytes) : bytes;
  let text: string | undefined;
  try {
    text = strictUtf8.decode(kept);
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) text = undefined;
  } catch {
    text = undefined;
  }
  return {
    payload: text ?? Buffer.from(kept).toString('base64'),
    payloadEncoding: text === undefined ? 'base64' : 'text',
    payloadBytes: bytes.byteLength,
    payloadTruncated: truncated,
  };
}

export interface DeadLetterInput {
  stage: Stage;
  reason: string;
  message: string;
  raw: string | Uint8Array;
  attributes?: Record<string, string>;
  pipeline?: string;
  eventId?: string;
  attempt: number;
  /** Epoch ms (the caller's clock). */
  at: number;
  maxPayloadBytes?: number;
}

/**
 * A dead letter's message when its raw text is withheld because the pipeline declares PII fields
 * and the text cannot be redacted field by field; `original` says where it can still be read.
 */
export function withheldMessage(message: string, original: string): string {
  return `${message} (raw text withheld: the pipeline declares PII fields; the original is in the ${original})`;
}

/** Builds a dead letter, choosing text or base64 for the payload and capping its size. */
export function deadLetterOf(input: DeadLetterInput): DeadLetter {
  return {
    v: WIRE_VERSION,
    kind: 'dead-letter',
    ...(input.pipeline === undefined ? {} : { pipeline: input.pipeline }),
    stage: input.stage,
    reason: input.reason.slice(0, 200),
    message: input.message.slice(0, 10_000),
    ...payloadOf(input.raw, input.maxPayloadBytes ?? DEAD_LETTER_MAX_PAYLOAD_BYTES),
    attributes: sanitizeAttributes(input.attributes),
    ...(input.eventId === undefined ? {} : { eventId: input.eventId }),
    attempt: input.attempt,
    at: input.at,
  };
}

/** A dead letter for a caught error: `DecodeError`s keep their reason; anything else is `error`. */
export function deadLetterFromError(err: unknown, input: Omit<DeadLetterInput, 'reason' | 'message'>): DeadLetter {
  const reason = err instanceof DecodeError ? err.reason : 'error';
  const message = err instanceof Error ? err.message : String(err);
  return deadLetterOf({ ...input, reason, message });
}

/** Attribute Pub/Sub adds to messages it dead-letters after max delivery attempts. */
export const PUBSUB_DEAD_LETTER_ATTEMPTS_ATTRIBUTE = 'CloudPubSubDeadLetterSourceDeliveryCount';
export const PUBSUB_DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE = 'CloudPubSubDeadLetterSourceSubscription';

/**
 * Wraps a message Pub/Sub dead-lettered itself (the stage kept failing transiently) as a
 * `DeadLetter` with reason `max_delivery_attempts`.
 */
export function deadLetterFromPubsub(input: { stage: Stage; raw: string | Uint8Array; attributes: Record<string, string>; at: number; pipeline?: string }): DeadLetter {
  const attempts = Number(input.attributes[PUBSUB_DEAD_LETTER_ATTEMPTS_ATTRIBUTE] ?? '1');
  const sub = input.attributes[PUBSUB_DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE] ?? 'unknown subscription';
  return deadLetterOf({
    stage: input.stage,
    reason: 'max_delivery_attempts',
    message: `delivery failed ${attempts} times on ${sub}; Pub/Sub dead-lettered it (the failures were transient: see the stage's logs)`,
    raw: input.raw,
    attributes: input.attributes,
    attempt: Number.isInteger(attempts) && attempts >= 1 ? attempts : 1,
    at: input.at,
    ...(input.pipeline === undefined ? {} : { pipeline: input.pipeline }),
  });
}

export function encodeDeadLetter(d: DeadLetter): string {
  return JSON.stringify(d);
}

/** Decodes a dead letter. Its payload is not guarded (it is the hostile input, kept as a string). */
export function decodeDeadLetter(input: string | Uint8Array, limits?: Partial<InputLimits>): DeadLetter {
  const value = parseJsonGuarded(input, { maxStringLength: 2 * DEAD_LETTER_MAX_PAYLOAD_BYTES, ...limits });
  assertVersion(value, 'dead_letter');
  assertValid<DeadLetter>(validateDeadLetter, value, 'dead_letter');
  return value;
}

/** The BigQuery `dead_letter` row for a dead letter (columns as in the topology's table schema). */
export function deadLetterRow(d: DeadLetter): Record<string, unknown> {
  return {
    pipeline: d.pipeline ?? null,
    stage: d.stage,
    reason: d.reason,
    message: d.message,
    payload: d.payload,
    payload_encoding: d.payloadEncoding,
    payload_bytes: d.payloadBytes,
    payload_truncated: d.payloadTruncated,
    attributes_json: JSON.stringify(d.attributes),
    event_id: d.eventId ?? null,
    attempt: d.attempt,
    at: new Date(d.at).toISOString(),
  };
}
