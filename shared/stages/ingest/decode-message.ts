/**
 * A raw Pub/Sub message → envelopes and rejections. The format comes from the `sluice-format`
 * attribute when the producer sets it, else from the payload: JSON text that parses whole is one
 * object or an array (a producer batch); JSON lines that do not parse whole are NDJSON (each line
 * on its own, so one bad line does not sink its batch); anything else (text whose first line is
 * not JSON) is CSV when the pipeline accepts CSV. Change events are recognised by their `op` when the pipeline accepts
 * `cdc-debezium` (always, when it accepts nothing else).
 */
import { DecodeError } from '../../core/errors';
import { DEFAULT_INPUT_LIMITS, decodeUtf8, type Envelope, type InputLimits, parseJsonGuarded } from '../../messages';
import type { PayloadFormat } from '../../pipeline';
import { looksLikeCdc } from './cdc';
import { parseCsvText } from './csv';
import { envelopeOf, type EnvelopeOptions, IngestReason, isRejected, type RecordOrigin, type Rejected } from './envelope-of';

/** Attribute a producer may set to name the payload format (`json`, `ndjson`, `csv`, `cdc-debezium`). */
export const FORMAT_ATTRIBUTE = 'sluice-format';

export interface RawMessage {
  data: Uint8Array;
  attributes: Record<string, string>;
  messageId: string;
  /** Epoch ms. */
  publishTime: number;
}

export interface DecodedMessage {
  envelopes: Envelope[];
  rejected: Rejected[];
  /** Records the message held (a whole-message failure counts as one): `recordsIn = envelopes + rejected`. */
  recordsIn: number;
  /** True for a producer batch (array, NDJSON lines, CSV rows): it travels on as its own bundle. */
  batch: boolean;
  format?: PayloadFormat;
}

const FORMATS: readonly string[] = ['json', 'ndjson', 'csv', 'cdc-debezium'];

function whole(reason: string, message: string, raw: Uint8Array): DecodedMessage {
  return { envelopes: [], rejected: [{ reason, message, raw }], recordsIn: 1, batch: false };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Splits text into non-empty lines, keeping each line's text. */
function linesOf(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

export function decodeMessage(message: RawMessage, origin: RecordOrigin, options: EnvelopeOptions): DecodedMessage {
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const accepted = options.definition.source.formats;
  const raw = message.data;
  if (raw.byteLength > limits.maxBytes) {
    return whole('too_large', `payload of ${raw.byteLength} bytes exceeds ${limits.maxBytes}`, raw);
  }
  let text: string;
  try {
    text = decodeUtf8(raw);
  } catch (err) {
    return whole((err as DecodeError).reason, (err as DecodeError).message, raw);
  }
  if (text.trim() === '') return whole(IngestReason.EMPTY_PAYLOAD, 'the message has no payload; publish one JSON object, a JSON array, NDJSON lines or CSV', raw);

  const declared = message.attributes[FORMAT_ATTRIBUTE];
  if (declared !== undefined && !FORMATS.includes(declared)) {
    return whole(IngestReason.UNSUPPORTED_FORMAT, `attribute ${FORMAT_ATTRIBUTE}='${declared.slice(0, 40)}' is not one of ${FORMATS.join(', ')}`, raw);
  }
  const cdcPipeline = accepted.includes('cdc-debezium');
  const cdcOnly = cdcPipeline && !accepted.some((f) => f === 'json' || f === 'ndjson');
  const jsonFormat = (value: unknown): PayloadFormat =>
    declared === 'cdc-debezium' || cdcOnly || (cdcPipeline && declared === undefined && looksLikeCdc(value)) ? 'cdc-debezium' : 'json';

  type Item = { value: unknown; raw: string | Uint8Array } | { rejected: Rejected };
  const build = (items: Item[], format: PayloadFormat, batch: boolean): DecodedMessage => {
    const envelopes: Envelope[] = [];
    const rejected: Rejected[] = [];
    const values: unknown[] = [];
    for (const [i, item] of items.entries()) {
      if ('rejected' in item) {
        rejected.push(item.rejected);
        continue;
      }
      values.push(item.value);
      // A record keeps the payload's format (an NDJSON line is `ndjson`, as on the batch path) unless it is a change event.
      const recordFormat = format === 'json' || format === 'ndjson' ? (jsonFormat(item.value) === 'cdc-debezium' ? 'cdc-debezium' : format) : format;
      const r = envelopeOf(item.value, item.raw, recordFormat, origin, options, batch ? i : undefined);
      if (isRejected(r)) rejected.push(r);
      else envelopes.push(r);
    }
    const finalFormat = format === 'json' && values.length > 0 && values.every((v) => jsonFormat(v) === 'cdc-debezium') ? 'cdc-debezium' : format;
    return { envelopes, rejected, recordsIn: envelopes.length + rejected.length, batch, format: finalFormat };
  };
  const notAccepted = (format: PayloadFormat): DecodedMessage | undefined => {
    const ok = accepted.includes(format) || ((format === 'json' || format === 'ndjson') && cdcPipeline);
    return ok ? undefined : whole(IngestReason.UNSUPPORTED_FORMAT, `pipeline '${options.definition.name}' accepts ${accepted.join(', ')}; this payload is ${format}`, raw);
  };

  const looksLikeJson = (): boolean => /^\s*[[{]/.test(text) || parses(text.trimStart().split(/\r?\n/, 1)[0] ?? '');
  if (declared === 'csv' || (declared === undefined && accepted.includes('csv') && !looksLikeJson())) {
    const refused = notAccepted('csv');
    if (refused) return refused;
    const csv = options.definition.source.csv;
    if (!csv) return whole(IngestReason.UNSUPPORTED_FORMAT, `pipeline '${options.definition.name}' declares no source.csv options`, raw);
    let rows;
    try {
      rows = parseCsvText(text, csv, limits);
    } catch (err) {
      return whole(IngestReason.INVALID_CSV, `payload is not valid CSV: ${(err as Error).message}`, raw);
    }
    if (rows.length === 0) return whole(IngestReason.EMPTY_PAYLOAD, 'the CSV payload has a header but no rows', raw);
    const items = rows.map((r): Item => ('record' in r ? { value: r.record, raw: r.raw } : { rejected: { reason: r.error.reason, message: r.error.message, raw: r.raw } }));
    return build(items, 'csv', rows.length > 1);
  }

  let parsed: unknown;
  let wholeError: DecodeError | undefined;
  if (declared !== 'ndjson') {
    try {
      parsed = parseJsonGuarded(text, limits);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      wholeError = err;
    }
  }
  const lines = wholeError || declared === 'ndjson' ? linesOf(text) : [];
  if (declared === 'ndjson' || (wholeError && lines.length > 1 && parses(lines[0] ?? ''))) {
    const refused = notAccepted('ndjson');
    if (refused) return refused;
    const items: Item[] = lines.map((line) => {
      try {
        return { value: parseJsonGuarded(line, limits), raw: line };
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        return { rejected: { reason: err.reason, message: err.message, raw: line } };
      }
    });
    return build(items, 'ndjson', lines.length > 1);
  }
  if (wholeError) return whole(wholeError.reason, wholeError.message, raw);
  const refused = notAccepted('json');
  if (refused) return refused;
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return whole(IngestReason.EMPTY_PAYLOAD, 'the JSON array is empty', raw);
    return build(parsed.map((value) => ({ value, raw: JSON.stringify(value) ?? 'null' })), 'json', parsed.length > 1);
  }
  return build([{ value: parsed, raw }], 'json', false);
}
