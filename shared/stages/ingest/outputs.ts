/**
 * What ingest sends on: envelopes as `EventBundle`s (split only by the byte/record cap) to the
 * events topic, rejections as `DeadLetter`s to the dead-letter topic. Both resolve only once Pub/Sub
 * has accepted every message.
 */
import {
  type BundleLimits,
  DEFAULT_BUNDLE_MAX_BYTES,
  deadLetterOf,
  type EncodedBundle,
  encodeDeadLetter,
  type Envelope,
  EventBundleBuilder,
  Stage,
  utf8Length,
  WIRE_VERSION,
  withheldMessage,
} from '../../messages';
import type { Publisher } from '../../ports';
import { type Logger, SLUICE_METRICS } from '../../observability/log';
import { redactPii } from '../../pipeline/pii';
import type { PiiRule } from '../../pipeline/types';
import type { Rejected } from './envelope-of';

/** The largest envelope (encoded bytes) that fits an otherwise empty bundle of `pipeline` under the cap. */
export function maxEnvelopeBytesFor(pipeline: string, limits: BundleLimits = {}): number {
  const frame = utf8Length(JSON.stringify({ v: WIRE_VERSION, pipeline, envelopes: [] }));
  return (limits.maxBytes ?? DEFAULT_BUNDLE_MAX_BYTES) - frame;
}

/** Packs envelopes, in order, into as few bundles under the cap as possible. */
export function bundlesOf(pipeline: string, envelopes: readonly Envelope[], limits: BundleLimits = {}): EncodedBundle[] {
  const builder = new EventBundleBuilder(pipeline, limits);
  const out: EncodedBundle[] = [];
  for (const e of envelopes) {
    let r = builder.add(e);
    if (!r.added && r.reason === 'full') {
      out.push(builder.flush()!);
      r = builder.add(e);
    }
    if (!r.added) throw new Error(`envelope ${e.eventId} does not fit an empty bundle; ingest must dead-letter it before bundling`);
  }
  const last = builder.flush();
  if (last) out.push(last);
  return out;
}

/** Attribute on each published bundle: its record count (handy for subscribers' metrics and tests). */
export const RECORDS_ATTRIBUTE = 'sluice-records';

/**
 * Publishes encoded bundles of `pipeline` with attributes `sluice-kind=event-bundle`,
 * `sluice-pipeline`, `sluice-records` (plus `attributes`, e.g. a file chunk's object and index).
 */
export async function publishBundles(publisher: Publisher, topic: string, pipeline: string, bundles: EncodedBundle[], attributes: Record<string, string> = {}): Promise<void> {
  if (bundles.length === 0) return;
  await publisher.publish(
    topic,
    bundles.map((b) => ({
      data: Buffer.from(b.data, 'utf8'),
      attributes: { ...attributes, 'sluice-kind': 'event-bundle', 'sluice-pipeline': pipeline, [RECORDS_ATTRIBUTE]: String(b.count) },
    })),
  );
}

export interface DeadLetterContext {
  pipeline: string;
  attributes: Record<string, string>;
  attempt: number;
  at: number;
  /** The pipeline's PII rules: with any, a dead letter's raw text is redacted or withheld (see {@link redactedRaw}). */
  pii: readonly PiiRule[];
  /** Where a withheld original can still be read, for the message (e.g. `raw archive, message 123`). */
  original: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * What a dead letter keeps of a rejected record's raw text under the pipeline's PII rules. Ingest
 * holds no hashing keys, so: raw text that is one JSON object (a record, or a change event's row
 * images) keeps its shape with every rule applied (`redactPii`: masks and drops as transform would,
 * hashed fields `[redacted]`);
 * anything else (not JSON, an array, a CSV row, bytes) could hold a PII value anywhere and is
 * withheld — the raw archive (or the landed object) keeps the original. Without PII rules the raw
 * text is kept as is.
 */
export function redactedRaw(raw: string | Uint8Array, pii: readonly PiiRule[]): { raw: string | Uint8Array; withheld: boolean } {
  if (pii.length === 0) return { raw, withheld: false };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : strictUtf8.decode(raw));
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) return { raw: '', withheld: true };
  return { raw: JSON.stringify(redactRecordOrChange(value, pii)), withheld: false };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The object with the PII rules applied as a record, and — whatever its `op` says, since a change
 * event is rejected precisely when it is malformed — to the row images of a Debezium change event
 * (`before`/`after`, bare or under `payload`).
 */
function redactRecordOrChange(value: Record<string, unknown>, pii: readonly PiiRule[]): Record<string, unknown> {
  const out = redactPii(value, pii);
  const images = (body: Record<string, unknown>): void => {
    for (const k of ['before', 'after']) {
      const image = body[k];
      if (isRecord(image)) body[k] = redactPii(image, pii);
    }
  };
  // `out` is redactPii's deep copy: the images are replaced in place.
  images(out);
  if (isRecord(out.payload)) images(out.payload);
  return out;
}

/** Publishes one dead letter per rejection and writes one `dead_letter` metric line each. */
export async function publishDeadLetters(publisher: Publisher, topic: string, logger: Logger, rejected: readonly Rejected[], ctx: DeadLetterContext): Promise<void> {
  if (rejected.length === 0) return;
  const letters = rejected.map((r) => {
    const kept = redactedRaw(r.raw, ctx.pii);
    return deadLetterOf({
      stage: Stage.INGEST,
      reason: r.reason,
      message: kept.withheld ? withheldMessage(r.message, ctx.original) : r.message,
      raw: kept.raw,
      attributes: ctx.attributes,
      pipeline: ctx.pipeline,
      ...(r.eventId === undefined ? {} : { eventId: r.eventId }),
      attempt: ctx.attempt,
      at: ctx.at,
    });
  });
  await publisher.publish(
    topic,
    letters.map((d) => ({ data: Buffer.from(encodeDeadLetter(d), 'utf8'), attributes: { 'sluice-stage': d.stage, 'sluice-reason': d.reason } })),
  );
  for (const d of letters) logger.metric(SLUICE_METRICS.DEAD_LETTER, { reason: d.reason });
}
