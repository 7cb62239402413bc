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
} from '../../messages';
import type { Publisher } from '../../ports';
import { type Logger, SLUICE_METRICS } from '../../observability/log';
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
}

/** Publishes one dead letter per rejection and writes one `dead_letter` metric line each. */
export async function publishDeadLetters(publisher: Publisher, topic: string, logger: Logger, rejected: readonly Rejected[], ctx: DeadLetterContext): Promise<void> {
  if (rejected.length === 0) return;
  const letters = rejected.map((r) =>
    deadLetterOf({
      stage: Stage.INGEST,
      reason: r.reason,
      message: r.message,
      raw: r.raw,
      attributes: ctx.attributes,
      pipeline: ctx.pipeline,
      ...(r.eventId === undefined ? {} : { eventId: r.eventId }),
      attempt: ctx.attempt,
      at: ctx.at,
    }),
  );
  await publisher.publish(
    topic,
    letters.map((d) => ({ data: Buffer.from(encodeDeadLetter(d), 'utf8'), attributes: { 'sluice-stage': d.stage, 'sluice-reason': d.reason } })),
  );
  for (const d of letters) logger.metric(SLUICE_METRICS.DEAD_LETTER, { reason: d.reason });
}
