/**
 * Records of a landed file, streamed: gzip is recognised by its magic bytes (so it works whether or
 * not GCS transcodes), NDJSON is split on bytes and each line decoded strictly (one line of bad
 * UTF-8 or JSON is one dead letter, the rest of the file goes on), CSV is parsed as a stream, and a
 * `.json` file holding one array is read whole (bounded by the input byte limit).
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecodeError } from '../../core/errors';
import { DEFAULT_INPUT_LIMITS, decodeUtf8, type InputLimits, parseJsonGuarded } from '../../messages';
import type { PayloadFormat, SourceDefinition } from '../../pipeline';
import { looksLikeCdc } from './cdc';
import { INVALID_UTF8_MARK, streamCsv } from './csv';
import { IngestReason } from './envelope-of';

/** One record of a file: a decoded value, or why it could not be decoded; `raw` is its text. */
export type FileRecord = { value: unknown; raw: string | Uint8Array; format: PayloadFormat } | { error: DecodeError; raw: string | Uint8Array };

/** The format of a landed object, from its name (`.csv`, `.ndjson`, `.jsonl`, `.json`, each optionally `.gz`), else its content type; undefined = sniff. */
export function fileFormatOf(name: string, contentType?: string): 'csv' | 'ndjson' | 'json' | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.ndjson') || base.endsWith('.jsonl')) return 'ndjson';
  if (base.endsWith('.json')) return 'json';
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('text/csv')) return 'csv';
  if (ct.includes('ndjson') || ct.includes('jsonl')) return 'ndjson';
  if (ct.startsWith('application/json')) return 'json';
  return undefined;
}

async function* bytesOf(chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => {
      let sentFirst = false;
      return {
        next: async () => {
          if (!sentFirst) {
            sentFirst = true;
            return { value: first.value, done: false };
          }
          return it.next();
        },
      };
    },
  };
  if (first.value[0] === 0x1f && first.value[1] === 0x8b) {
    yield* Readable.from(rest).pipe(createGunzip()) as AsyncIterable<Buffer>;
  } else {
    yield* rest;
  }
}

async function* linesOf(bytes: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of bytes) {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      yield buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
    }
    carry = Buffer.from(buf);
  }
  if (carry.length) yield carry;
}

/** Text of a CSV file, line by line; an invalid UTF-8 line becomes a marker row (see `INVALID_UTF8_MARK`). */
async function* csvTextOf(bytes: AsyncIterable<Buffer>): AsyncIterable<string> {
  for await (const line of linesOf(bytes)) {
    try {
      yield `${decodeUtf8(line)}\n`;
    } catch {
      yield `"${INVALID_UTF8_MARK}${Buffer.from(line).toString('base64')}"\n`;
    }
  }
}

export interface FileRecordsOptions {
  name: string;
  contentType?: string;
  source: SourceDefinition;
  limits?: Partial<InputLimits>;
}

/** Streams the records of one object's bytes. */
export async function* fileRecords(chunks: AsyncIterable<Buffer>, options: FileRecordsOptions): AsyncIterable<FileRecord> {
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const accepted = options.source.formats;
  const cdcPipeline = accepted.includes('cdc-debezium');
  const cdcOnly = cdcPipeline && !accepted.some((f) => f === 'json' || f === 'ndjson');
  const jsonFormat = (value: unknown, base: PayloadFormat): PayloadFormat => (cdcOnly || (cdcPipeline && looksLikeCdc(value)) ? 'cdc-debezium' : base);
  let format = fileFormatOf(options.name, options.contentType);
  const bytes = bytesOf(chunks);

  // Peek at the first decompressed chunk to sniff the format when the name and type do not say.
  const it = bytes[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const all: AsyncIterable<Buffer> = (async function* () {
    yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  const lead = first.value.toString('utf8', 0, Math.min(first.value.length, 64)).replace(/^\uFEFF/, '').trimStart();
  if (format === undefined) format = lead.startsWith('{') || lead.startsWith('[') ? 'json' : 'csv';
  if (format === 'json' && !lead.startsWith('[')) format = 'ndjson';

  const refuse = (f: PayloadFormat): FileRecord | undefined =>
    accepted.includes(f) || ((f === 'json' || f === 'ndjson') && cdcPipeline)
      ? undefined
      : { error: new DecodeError(IngestReason.UNSUPPORTED_FORMAT, `pipeline accepts ${accepted.join(', ')}; ${options.name} is ${f}`), raw: options.name };

  if (format === 'csv') {
    const refused = refuse('csv');
    if (refused) return yield refused;
    if (!options.source.csv) return yield { error: new DecodeError(IngestReason.UNSUPPORTED_FORMAT, 'the pipeline declares no source.csv options'), raw: options.name };
    try {
      for await (const row of streamCsv(csvTextOf(all), options.source.csv, limits)) {
        yield 'record' in row ? { value: row.record, raw: row.raw, format: 'csv' } : { error: row.error, raw: row.raw };
      }
    } catch (err) {
      if (err instanceof DecodeError) yield { error: err, raw: options.name };
      else if (err instanceof Error && 'code' in err && String(err.code).startsWith('CSV_')) yield { error: new DecodeError(IngestReason.INVALID_CSV, `CSV parsing stopped: ${err.message}`), raw: options.name };
      else throw err;
    }
    return;
  }
  if (format === 'json') {
    const refused = refuse('json');
    if (refused) return yield refused;
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of all) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        return yield { error: new DecodeError('too_large', `a JSON-array file is read whole and may hold at most ${limits.maxBytes} bytes; land large files as NDJSON or CSV`), raw: options.name };
      }
      parts.push(chunk);
    }
    let value: unknown;
    try {
      value = parseJsonGuarded(Buffer.concat(parts), limits);
    } catch (err) {
      if (err instanceof DecodeError) return yield { error: err, raw: options.name };
      throw err;
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) yield { value: item, raw: JSON.stringify(item) ?? 'null', format: jsonFormat(item, 'json') };
    return;
  }
  const refused = refuse('ndjson');
  if (refused) return yield refused;
  for await (const lineBytes of linesOf(all)) {
    const line = lineBytes.at(-1) === 0x0d ? lineBytes.subarray(0, -1) : lineBytes;
    if (line.every((b) => b === 0x20 || b === 0x09)) continue;
    try {
      const text = decodeUtf8(line);
      const value = parseJsonGuarded(text, limits);
      yield { value, raw: text, format: jsonFormat(value, 'ndjson') };
    } catch (err) {
      if (err instanceof DecodeError) yield { error: err, raw: Buffer.from(line) };
      else throw err;
    }
  }
}
