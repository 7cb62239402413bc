/**
 * `sluice publish`: producer messages from generated events or a file, published to the raw
 * topic at a chosen event rate. Single events go as one JSON object (`sluice-format: json`, with
 * the event's own attributes, e.g. clickstream's `event_id`); `--batch N` packs N events into one
 * NDJSON message (`sluice-format: ndjson`) — attributes are per message, so per-event attributes
 * are dropped and ingest falls back to the pipeline's event-id fallback. CSV files travel as the
 * header plus up to N rows per message (`sluice-format: csv`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { Publisher } from '../shared/ports/publisher';

/** One producer message. */
export interface ProducerMessage {
  data: string;
  attributes: Record<string, string>;
  /** Events (records, lines, rows) it carries. */
  events: number;
}

export const FORMAT_ATTRIBUTE = 'sluice-format';

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`--batch must be a whole number ≥ 1; got ${batch}`);
}

/** Events (payload + attributes) → producer messages of `batch` events each. */
export function* messagesFromEvents(events: Iterable<{ payload: string; attributes: Record<string, string> }>, batch: number): Generator<ProducerMessage> {
  checkBatch(batch);
  let lines: string[] = [];
  for (const e of events) {
    if (batch === 1) {
      yield { data: e.payload, attributes: { ...e.attributes, [FORMAT_ATTRIBUTE]: 'json' }, events: 1 };
      continue;
    }
    lines.push(e.payload);
    if (lines.length === batch) {
      yield { data: lines.join('\n'), attributes: { [FORMAT_ATTRIBUTE]: 'ndjson' }, events: lines.length };
      lines = [];
    }
  }
  if (lines.length) yield { data: lines.join('\n'), attributes: { [FORMAT_ATTRIBUTE]: 'ndjson' }, events: lines.length };
}

export type FileFormat = 'ndjson' | 'csv';

/** The format of a file by its extension (`.csv` → csv; `.ndjson`, `.jsonl`, `.json` → ndjson). */
export function fileFormatOf(path: string): FileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (/\.(ndjson|jsonl|json)$/.test(lower)) return 'ndjson';
  throw new RangeError(`cannot tell the format of ${path} from its extension; pass --format ndjson|csv`);
}

/** Messages from an NDJSON file: one event per non-empty line. */
export async function* messagesFromNdjson(path: string, batch: number): AsyncGenerator<ProducerMessage> {
  checkBatch(batch);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  async function* events() {
    for await (const line of lines) if (line.trim() !== '') yield { payload: line, attributes: {} };
  }
  const buffered: Array<{ payload: string; attributes: Record<string, string> }> = [];
  for await (const e of events()) {
    buffered.push(e);
    if (buffered.length === batch) {
      yield* messagesFromEvents(buffered.splice(0), batch);
    }
  }
  if (buffered.length) yield* messagesFromEvents(buffered, batch);
}

/**
 * Messages from a CSV file with a header row: each carries the header and up to `batch` rows,
 * exactly as written (quoted fields with line breaks stay intact).
 */
export async function* messagesFromCsv(path: string, batch: number): AsyncGenerator<ProducerMessage> {
  checkBatch(batch);
  const parser = createReadStream(path, 'utf8').pipe(parse({ raw: true, relax_column_count: true, skip_empty_lines: true }));
  let header: string | undefined;
  let rows: string[] = [];
  const message = (): ProducerMessage => ({ data: [header!, ...rows].join('\n'), attributes: { [FORMAT_ATTRIBUTE]: 'csv' }, events: rows.length });
  for await (const rec of parser as AsyncIterable<{ raw: string }>) {
    const raw = rec.raw.replace(/\r?\n$/, '');
    if (header === undefined) {
      header = raw;
      continue;
    }
    rows.push(raw);
    if (rows.length === batch) {
      yield message();
      rows = [];
    }
  }
  if (rows.length) yield message();
}

export interface PublishOptions {
  /** Events per second (counted in events, not messages); undefined = as fast as the publisher goes. */
  ratePerSec?: number;
  /** Messages awaiting Pub/Sub's acknowledgement at most (default 500). */
  maxInFlight?: number;
  /** Clock and sleep (tests pass fakes). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** After each acknowledged message: totals so far. */
  onProgress?: (done: { messages: number; events: number }) => void;
}

export interface PublishResult {
  messages: number;
  events: number;
  elapsedMs: number;
}

/**
 * Publishes every message to `topic`, pacing by events so that after k events at least
 * k / rate seconds have passed. Resolves once Pub/Sub accepted all; on the first failure it waits
 * for the messages in flight and rejects saying how many were published.
 */
export async function publishMessages(publisher: Publisher, topic: string, messages: Iterable<ProducerMessage> | AsyncIterable<ProducerMessage>, o: PublishOptions = {}): Promise<PublishResult> {
  if (o.ratePerSec !== undefined && !(o.ratePerSec > 0)) throw new RangeError(`--rate must be > 0 events/s; got ${o.ratePerSec}`);
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxInFlight = o.maxInFlight ?? 500;
  const t0 = now();
  const inFlight = new Set<Promise<void>>();
  let scheduledEvents = 0;
  const done = { messages: 0, events: 0 };
  let failure: unknown;
  for await (const m of messages) {
    if (failure !== undefined) break;
    if (o.ratePerSec !== undefined) {
      const due = t0 + (scheduledEvents / o.ratePerSec) * 1000;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    }
    scheduledEvents += m.events;
    const p: Promise<void> = publisher
      .publish(topic, [{ data: Buffer.from(m.data, 'utf8'), attributes: m.attributes }])
      .then(
        () => {
          done.messages += 1;
          done.events += m.events;
          o.onProgress?.({ ...done });
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) {
    throw new Error(`publishing to ${topic} failed after ${done.messages} messages (${done.events} events) were accepted: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
  return { ...done, elapsedMs: now() - t0 };
}
