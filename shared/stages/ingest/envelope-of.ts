/**
 * One record → one `Envelope`, or a rejection with a dead-letter reason. Both paths (raw messages
 * and landed files) end here, so a record gets the same event id, event time and checks however
 * it arrived.
 */
import { DecodeError } from '../../core/errors';
import { DEFAULT_INPUT_LIMITS, type Envelope, type EnvelopeSource, guardValue, type InputLimits, utf8Length } from '../../messages';
import { extractEventId, extractEventTime, maxFutureSkewMs, type PayloadFormat, type PiiRule, type SourceDefinition } from '../../pipeline';
import type { DurationInput } from '../../core/spec';
import { cdcChangeOf } from './cdc';

/** What ingest needs from a pipeline definition. */
export interface IngestDefinition {
  name: string;
  source: SourceDefinition;
  /** PII rules: ingest redacts (or withholds) the raw text of its dead letters by them. */
  pii?: readonly PiiRule[];
  /** Only `maxFutureSkew` is read here (`maxFutureSkewMs`). */
  watermark?: { maxFutureSkew?: DurationInput } | undefined;
}

/** A record ingest refused, with the dead-letter reason and the raw text it came from. */
export interface Rejected {
  reason: string;
  message: string;
  raw: string | Uint8Array;
  eventId?: string;
}

/** Where records of one message or file come from (shared by all its records). */
export interface RecordOrigin {
  messageId: string;
  publishTime: number;
  attributes: Record<string, string>;
  object?: { bucket: string; name: string; generation: string };
}

export interface EnvelopeOptions {
  definition: IngestDefinition;
  /** Processing time stamped on every envelope, epoch ms. */
  ingestTime: number;
  /** Largest encoded envelope that still fits an otherwise empty bundle under the byte cap. */
  maxEnvelopeBytes: number;
  limits?: Partial<InputLimits>;
}

/** Levels above a record inside an `EventBundle` (bundle object, envelopes array, envelope). */
export const RECORD_NESTING = 3;

/** Dead-letter reasons ingest raises itself (the guards' and the identity helpers' reasons come on top). */
export const IngestReason = {
  NOT_AN_OBJECT: 'not_an_object',
  EVENT_TOO_LARGE: 'event_too_large',
  INVALID_CSV: 'invalid_csv',
  UNSUPPORTED_FORMAT: 'unsupported_format',
  EMPTY_PAYLOAD: 'empty_payload',
  CDC_INVALID_OP: 'cdc_invalid_op',
  CDC_MISSING_AFTER: 'cdc_missing_after',
  CDC_MISSING_BEFORE: 'cdc_missing_before',
  EVENT_TIME_IN_FUTURE: 'event_time_in_future',
} as const;
export type IngestReason = (typeof IngestReason)[keyof typeof IngestReason];

/**
 * Builds the envelope of one decoded value. `raw` is the record's own text (a line, a CSV row, an
 * array element) kept for its dead letter; `index` is its position in a landed file or a producer
 * batch (undefined for a single event): with an id attribute, the event id is `<attribute>#<index>`.
 */
export function envelopeOf(
  value: unknown,
  raw: string | Uint8Array,
  format: PayloadFormat,
  origin: RecordOrigin,
  options: EnvelopeOptions,
  index?: number,
): Envelope | Rejected {
  try {
    const { source } = options.definition;
    let record: Record<string, unknown>;
    let cdc: EnvelopeSource['cdc'];
    let cdcTimestamp: number | undefined;
    if (format === 'cdc-debezium') {
      const change = cdcChangeOf(value);
      record = change.record;
      cdc = change.cdc;
      cdcTimestamp = change.tsMs;
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DecodeError(IngestReason.NOT_AN_OBJECT, `a record must be a JSON object; got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      }
      record = value as Record<string, unknown>;
    }
    // Records travel nested in a bundle (bundle → envelopes → envelope → record; a CDC before-image
    // two levels deeper): guard them so the whole bundle passes the same depth limit downstream.
    const maxDepth = options.limits?.maxDepth ?? DEFAULT_INPUT_LIMITS.maxDepth;
    guardValue(record, { ...options.limits, maxDepth: maxDepth - RECORD_NESTING }, 'record');
    if (cdc?.before) guardValue(cdc.before, { ...options.limits, maxDepth: maxDepth - RECORD_NESTING - 2 }, 'before');
    let eventId = extractEventId(source.eventId, {
      record,
      attributes: origin.attributes,
      ...(cdc?.position ? { cdcPosition: cdc.position } : {}),
    });
    // An id attribute names a whole message (or file): its records are told apart by position, or
    // a producer batch would collapse into one event downstream (every stage dedupes by eventId).
    if (index !== undefined && source.eventId.from === 'attribute' && Object.prototype.hasOwnProperty.call(origin.attributes, source.eventId.name) && origin.attributes[source.eventId.name]) eventId = `${eventId}#${index}`;
    const eventTime = extractEventTime(source.eventTime, {
      record,
      attributes: origin.attributes,
      publishTime: origin.publishTime,
      ...(cdcTimestamp === undefined ? {} : { cdcTimestamp }),
    });
    // Judged against the message's own publish time, not the clock: a redelivery or a replay from
    // the archive (which keeps the original publish time) decides the same way.
    const skewMs = maxFutureSkewMs(options.definition);
    if (eventTime > origin.publishTime + skewMs) {
      throw new DecodeError(
        IngestReason.EVENT_TIME_IN_FUTURE,
        `event time ${new Date(eventTime).toISOString()} is ${eventTime - origin.publishTime} ms after the message was published (${new Date(origin.publishTime).toISOString()}), beyond watermark.maxFutureSkew (${skewMs} ms); fix the producer's clock or raise maxFutureSkew`,
      );
    }
    const envelope: Envelope = {
      eventId,
      eventTime,
      pipeline: options.definition.name,
      source: {
        messageId: origin.messageId,
        publishTime: origin.publishTime,
        attributes: origin.attributes,
        format,
        ...(origin.object ? { object: { ...origin.object, index: index ?? 0 } } : {}),
        ...(cdc ? { cdc } : {}),
      },
      record,
      ingestTime: options.ingestTime,
    };
    const bytes = utf8Length(JSON.stringify(envelope));
    if (bytes > options.maxEnvelopeBytes) {
      return {
        reason: IngestReason.EVENT_TOO_LARGE,
        message: `the event's envelope is ${bytes} bytes; one event must fit a bundle of at most ${options.maxEnvelopeBytes} bytes (the 512 KB event payload limit once base64-encoded for push); split the record or store large blobs in GCS and send a reference`,
        raw,
        eventId,
      };
    }
    return envelope;
  } catch (err) {
    if (err instanceof DecodeError) return { reason: err.reason, message: err.message, raw };
    throw err;
  }
}

export function isRejected(x: Envelope | Rejected): x is Rejected {
  return 'reason' in x;
}
