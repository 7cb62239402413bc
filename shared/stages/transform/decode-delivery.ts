/**
 * Decoding a delivery into envelopes, with hostile input isolated per record where possible.
 *
 * The fast path is `decodeEventBundle` (guards and validates the whole bundle at once). When that
 * fails for a reason that can belong to one envelope — a hostile key, deep nesting, a huge string,
 * too many keys, or a schema violation — the bundle is split: each envelope is guarded and
 * validated alone, so one bad record is dead-lettered by itself and its neighbours go on. Failures
 * of the whole payload (not UTF-8, not JSON, too large, a newer wire version, a broken bundle
 * header) dead-letter the delivery. Strings that JSON allows but UTF-8 cannot encode (lone UTF-16
 * surrogates from `\ud800` escapes) are caught per record too (`invalid_unicode`).
 */
import { DecodeError } from '../../core/errors';
import {
  assertJsonDepth,
  decodeEventBundle,
  decodeUtf8,
  DEFAULT_INPUT_LIMITS,
  type Envelope,
  GuardReason,
  guardValue,
  type InputLimits,
  WIRE_VERSION,
} from '../../messages';
import { describeAjvError, primaryError } from '../../pipeline/ajv-errors';
import { validateEventBundle } from '../../messages/wire-validators.generated';

/** One envelope that cannot be processed, with why. */
export interface RejectedEnvelope {
  index: number;
  eventId?: string;
  reason: string;
  message: string;
  /** The envelope as JSON text (its raw payload for the dead letter). */
  raw: string;
  attributes?: Record<string, string>;
  /**
   * The envelope, when it passed the guards (safe to walk) and was rejected for its content
   * (`invalid_unicode`): the stage applies the PII rules to it before dead-lettering.
   */
  envelope?: Envelope;
}

export type DecodedDelivery =
  | { ok: true; pipeline: string; envelopes: { index: number; envelope: Envelope }[]; rejected: RejectedEnvelope[] }
  | { ok: false; error: DecodeError };

const SPLITTABLE = new Set<string>([
  GuardReason.HOSTILE_KEY,
  GuardReason.TOO_DEEP,
  GuardReason.STRING_TOO_LONG,
  GuardReason.TOO_MANY_KEYS,
  'invalid_event_bundle',
]);

/** Depth a payload may reach before even the split path refuses it (bounds JSON.parse and the scan). */
const SPLIT_MAX_DEPTH = 4096;

/** A minimal valid envelope, to validate a bundle header on its own. */
const STAND_IN_ENVELOPE: Envelope = {
  eventId: 'x',
  eventTime: 0,
  pipeline: 'xxx',
  source: { messageId: 'x', publishTime: 0, attributes: {}, format: 'json' },
  record: {},
  ingestTime: 0,
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Path of the first string (value or key) that is not well-formed UTF-16, or undefined. */
export function findLoneSurrogate(value: unknown, path = 'record'): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findLoneSurrogate(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (LONE_SURROGATE.test(k)) return `${path} (a key)`;
    const p = findLoneSurrogate((value as Record<string, unknown>)[k], `${path}.${k}`);
    if (p) return p;
  }
  return undefined;
}

function checkUnicode(index: number, envelope: Envelope): RejectedEnvelope | undefined {
  const where = findLoneSurrogate(envelope.record);
  if (!where) return undefined;
  return {
    index,
    eventId: envelope.eventId,
    reason: 'invalid_unicode',
    message: `${where}: contains a lone UTF-16 surrogate (a \\ud800-style escape) that UTF-8 cannot encode; send well-formed Unicode`,
    raw: JSON.stringify(envelope),
    attributes: envelope.source.attributes,
    envelope,
  };
}

/** Decodes a delivery's bytes (see the module comment). */
export function decodeDelivery(data: Uint8Array, limits: Partial<InputLimits> = {}): DecodedDelivery {
  let fastError: DecodeError;
  try {
    const bundle = decodeEventBundle(data, limits);
    const envelopes: { index: number; envelope: Envelope }[] = [];
    const rejected: RejectedEnvelope[] = [];
    bundle.envelopes.forEach((envelope, index) => {
      const bad = checkUnicode(index, envelope);
      if (bad) rejected.push(bad);
      else envelopes.push({ index, envelope });
    });
    return { ok: true, pipeline: bundle.pipeline, envelopes, rejected };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    fastError = err;
  }
  if (!SPLITTABLE.has(fastError.reason)) return { ok: false, error: fastError };
  return split(data, { ...DEFAULT_INPUT_LIMITS, ...limits }, fastError);
}

function split(data: Uint8Array, limits: InputLimits, fastError: DecodeError): DecodedDelivery {
  let parsed: unknown;
  try {
    const text = decodeUtf8(data);
    assertJsonDepth(text, SPLIT_MAX_DEPTH);
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: fastError };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: fastError };
  const top = parsed as Record<string, unknown>;
  const list = top.envelopes;
  if (!Array.isArray(list) || list.length === 0) return { ok: false, error: fastError };
  const header: Record<string, unknown> = {};
  for (const k of Object.keys(top)) if (k !== 'envelopes') Object.defineProperty(header, k, { value: top[k], enumerable: true });
  try {
    guardValue(header, limits, 'bundle');
  } catch (err) {
    return { ok: false, error: err instanceof DecodeError ? err : fastError };
  }
  // Check the header alone (with a stand-in envelope): a broken header fails the whole delivery.
  if (!validateEventBundle({ ...header, envelopes: [STAND_IN_ENVELOPE] })) {
    const v = describeAjvError(primaryError(validateEventBundle.errors ?? []));
    return { ok: false, error: new DecodeError('invalid_event_bundle', `${v.path || 'bundle'}: ${v.rule}`) };
  }
  const pipeline = header.pipeline as string;
  const envelopes: { index: number; envelope: Envelope }[] = [];
  const rejected: RejectedEnvelope[] = [];
  list.forEach((item: unknown, index) => {
    const raw = JSON.stringify(item) ?? 'null';
    const eventId = typeof item === 'object' && item !== null && typeof (item as { eventId?: unknown }).eventId === 'string'
      ? ((item as { eventId: string }).eventId)
      : undefined;
    try {
      // The envelope sits at depth 3 of a bundle: keep the record's allowance what the fast path gives it.
      guardValue(item, { ...limits, maxDepth: limits.maxDepth - 2 }, `envelopes[${index}]`);
    } catch (err) {
      const e = err instanceof DecodeError ? err : new DecodeError('invalid_envelope', String(err));
      rejected.push({ index, ...(eventId ? { eventId } : {}), reason: e.reason, message: e.message, raw });
      return;
    }
    const one = { v: WIRE_VERSION, pipeline, envelopes: [item] };
    if (!validateEventBundle(one)) {
      const v = describeAjvError(primaryError(validateEventBundle.errors ?? []));
      rejected.push({ index, ...(eventId ? { eventId } : {}), reason: 'invalid_envelope', message: `${v.path.replace(/^envelopes\[0\]/, `envelopes[${index}]`) || 'envelope'}: ${v.rule}`, raw });
      return;
    }
    const envelope = item as Envelope;
    const bad = checkUnicode(index, envelope);
    if (bad) rejected.push(bad);
    else envelopes.push({ index, envelope });
  });
  return { ok: true, pipeline, envelopes, rejected };
}
