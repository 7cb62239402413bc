/**
 * `sluice replay --from <ISO> --to <ISO>`: re-runs raw data from the GCS raw archive through the
 * stages by publishing the archived messages again to the raw topic.
 *
 * The archive (`shared/stages/ingest/raw-archive.ts`) is partitioned by ingest processing time:
 * `dt=YYYY-MM-DD/hour=HH/<flushTimeMs>-<flushId>.ndjson.gz`, so the range selects by when data
 * arrived, and the listing only visits the hour (or, for long ranges, day) prefixes it covers.
 * Each object is read back with ingest's own `readArchive`, and every message is published with
 * its original payload and attributes plus one: `sluice-original-publish-time`, the archived
 * publish time (kept from the first replay when a replayed message is replayed again), which
 * ingest uses instead of the replay's own publish time. So ingest derives the same event ids and
 * event times — including event times that fall back to the publish time — and the stages' dedupe
 * makes replaying data that was already processed a no-op. Objects are replayed oldest first, one at a time; a message is
 * counted only once Pub/Sub accepted it.
 */
import type { ObjectStore, StoredObject } from '../shared/ports/object-store';
import type { OutboundMessage, Publisher } from '../shared/ports/publisher';
import {
  decodeMessage,
  effectivePublishTime,
  maxEnvelopeBytesFor,
  ORIGINAL_PUBLISH_TIME_ATTRIBUTE,
  readArchive,
  type IngestDefinition,
  type RawMessage,
} from '../shared/stages/ingest';

const HOUR_MS = 3_600_000;
/** Ranges longer than this are listed per day instead of per hour. */
const MAX_HOUR_PREFIXES = 72;

/** `--from`/`--to`: an ISO time with a date (`2026-01-01T10:00:00Z`, `2026-01-01`). */
export function parseIsoTime(text: string, flag: string): number {
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(t)) throw new RangeError(`${flag} must be an ISO time such as 2026-01-01T10:00:00Z; got ${text}`);
  return t;
}

/** Checks `from < to`. */
export function checkRange(fromMs: number, toMs: number): void {
  if (!(fromMs < toMs)) throw new RangeError(`--from must be before --to (the range is [from, to)); got ${new Date(fromMs).toISOString()} .. ${new Date(toMs).toISOString()}`);
}

/** The flush time an archive object's name carries, or undefined for a name that is not an archive object. */
export function flushTimeOf(name: string): number | undefined {
  const m = /(?:^|\/)(\d+)-[^/]+\.ndjson\.gz$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The listing prefixes covering `[fromMs, toMs)`: one per hour, or one per day for long ranges. */
export function archivePrefixes(fromMs: number, toMs: number): string[] {
  checkRange(fromMs, toMs);
  const hours = Math.ceil((toMs - Math.floor(fromMs / HOUR_MS) * HOUR_MS) / HOUR_MS);
  const out: string[] = [];
  if (hours <= MAX_HOUR_PREFIXES) {
    for (let t = Math.floor(fromMs / HOUR_MS) * HOUR_MS; t < toMs; t += HOUR_MS) {
      const iso = new Date(t).toISOString();
      out.push(`dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`);
    }
    return out;
  }
  const DAY_MS = 24 * HOUR_MS;
  for (let t = Math.floor(fromMs / DAY_MS) * DAY_MS; t < toMs; t += DAY_MS) out.push(`dt=${new Date(t).toISOString().slice(0, 10)}/`);
  return out;
}

/** The archive objects whose flush time is in `[fromMs, toMs)`, oldest first. */
export async function listArchiveObjects(store: ObjectStore, bucket: string, fromMs: number, toMs: number): Promise<StoredObject[]> {
  const found: Array<{ o: StoredObject; t: number }> = [];
  for (const prefix of archivePrefixes(fromMs, toMs)) {
    for (const o of await store.list(bucket, prefix)) {
      const t = flushTimeOf(o.name);
      if (t !== undefined && t >= fromMs && t < toMs) found.push({ o, t });
    }
  }
  return found.sort((a, b) => a.t - b.t || a.o.name.localeCompare(b.o.name)).map((x) => x.o);
}

/** The message as published on replay: the archived payload and attributes, plus its original publish time. */
export function republished(m: RawMessage): OutboundMessage {
  return { data: Buffer.from(m.data), attributes: { ...m.attributes, [ORIGINAL_PUBLISH_TIME_ATTRIBUTE]: String(effectivePublishTime(m)) } };
}

/** Records a raw message holds, as ingest decodes it (envelopes + rejections). */
export function recordsIn(m: RawMessage, definition: IngestDefinition): number {
  return decodeMessage(m, { messageId: m.messageId, publishTime: effectivePublishTime(m), attributes: m.attributes }, { definition, ingestTime: 0, maxEnvelopeBytes: maxEnvelopeBytesFor(definition.name) }).recordsIn;
}

export interface ReplaySummary {
  objects: number;
  messages: number;
  /** Records in the messages as ingest decodes them (valid and invalid). */
  events: number;
  /** Payload bytes published. */
  bytes: number;
  /** Compressed bytes read from the archive. */
  archiveBytes: number;
  seconds: number;
}

export interface ReplayOptions {
  store: ObjectStore;
  publisher: Publisher;
  bucket: string;
  /** Raw topic (short name). */
  topic: string;
  objects: readonly StoredObject[];
  definition: IngestDefinition;
  /** Messages per publish call. */
  publishBatch?: number;
  /** Wall-clock reader for the summary's seconds (the CLI passes `performance.now`). */
  elapsedMs: () => number;
  onProgress?: (s: ReplaySummary) => void;
}

/** Republishes every message of the objects, in archive order; resolves to the summary. */
export async function replayArchive(o: ReplayOptions): Promise<ReplaySummary> {
  const t0 = o.elapsedMs();
  const batch = o.publishBatch ?? 500;
  const s: ReplaySummary = { objects: 0, messages: 0, events: 0, bytes: 0, archiveBytes: 0, seconds: 0 };
  const tick = () => {
    s.seconds = (o.elapsedMs() - t0) / 1000;
    o.onProgress?.({ ...s });
  };
  for (const obj of o.objects) {
    const gz = await o.store.read(o.bucket, obj.name);
    const messages = readArchive(gz);
    for (let i = 0; i < messages.length; i += batch) {
      const slice = messages.slice(i, i + batch);
      await o.publisher.publish(o.topic, slice.map(republished));
      s.messages += slice.length;
      for (const m of slice) {
        s.events += recordsIn(m, o.definition);
        s.bytes += m.data.byteLength;
      }
      tick();
    }
    s.objects++;
    s.archiveBytes += gz.byteLength;
    tick();
  }
  s.seconds = (o.elapsedMs() - t0) / 1000;
  return s;
}
