/**
 * CSV rows → records. Rows are parsed as arrays and turned into objects here (not by csv-parse's
 * `columns`), so a hostile header such as `__proto__` is refused by the guards instead of setting
 * a prototype, and a row with the wrong number of cells is dead-lettered on its own.
 * Cells stay strings: transform coerces them to the record schema's types.
 */
import { type Options, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { DecodeError } from '../../core/errors';
import { guardValue, type InputLimits } from '../../messages';
import type { CsvOptions } from '../../pipeline';

/** One CSV row: the record, or why it was refused, with the row's raw text. */
export type CsvRow = { record: Record<string, unknown>; raw: string } | { error: DecodeError; raw: string | Uint8Array };

function parserOptions(csv: CsvOptions, onSkip?: (raw: string, message: string) => void, onRecord?: () => void): Options {
  return {
    ...(onRecord
      ? {
          on_record: (record: string[]) => {
            onRecord();
            return record;
          },
        }
      : {}),
    delimiter: csv.delimiter ?? ',',
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    raw: true,
    ...(onSkip
      ? {
          skip_records_with_error: true,
          on_skip: (err, raw) => {
            onSkip(raw ?? '', err?.message ?? 'unparseable CSV row');
            return undefined;
          },
        }
      : {}),
  };
}

/**
 * A landed CSV file is decoded line by line; a line that is not valid UTF-8 is fed to the parser as
 * this marker plus the line's bytes in base64 (one quoted cell), so it comes out as a row in its
 * place in the file, and becomes an `invalid_utf8` dead letter while the rest of the file goes on.
 */
export const INVALID_UTF8_MARK = '\u0000sluice-invalid-utf8:';

/** Turns parsed rows (arrays of cells) into records, reading the header from the first row when configured. */
export class CsvRecords {
  private columns: string[] | undefined;
  private headerError: DecodeError | undefined;

  constructor(
    private readonly csv: CsvOptions,
    private readonly limits?: Partial<InputLimits>,
  ) {
    if (!csv.header) this.columns = this.checkColumns(csv.columns);
  }

  private checkColumns(columns: string[]): string[] | undefined {
    try {
      guardValue(Object.fromEntries(columns.map((c) => [c, null])), this.limits, 'csv header');
      for (const c of columns) {
        if (c === '__proto__') throw new DecodeError('hostile_key', "csv header: key '__proto__' is not allowed (prototype-pollution guard)");
      }
      if (new Set(columns).size !== columns.length) throw new DecodeError('invalid_csv', `csv header repeats a column name: ${columns.join(',').slice(0, 200)}`);
      return columns;
    } catch (err) {
      this.headerError = err instanceof DecodeError ? err : new DecodeError('invalid_csv', String(err));
      return undefined;
    }
  }

  /** Feeds one parsed row; returns undefined for the header row. */
  row(cells: string[], raw: string): CsvRow | undefined {
    const first = cells[0];
    if (cells.length === 1 && first !== undefined && first.startsWith(INVALID_UTF8_MARK)) {
      const error = new DecodeError('invalid_utf8', 'a CSV line is not valid UTF-8');
      if (this.columns === undefined && this.headerError === undefined) this.headerError = error;
      return { error, raw: Buffer.from(first.slice(INVALID_UTF8_MARK.length), 'base64') };
    }
    if (this.columns === undefined && this.headerError === undefined) {
      this.columns = this.checkColumns(cells);
      return undefined;
    }
    if (this.headerError) return { error: this.headerError, raw };
    const columns = this.columns ?? [];
    if (cells.length !== columns.length) {
      return { error: new DecodeError('invalid_csv', `csv row has ${cells.length} cells; the header has ${columns.length} columns (${columns.join(',').slice(0, 200)})`), raw };
    }
    const record: Record<string, unknown> = {};
    columns.forEach((c, i) => Object.defineProperty(record, c, { value: cells[i], enumerable: true, writable: true, configurable: true }));
    return { record, raw };
  }
}

/** Parses a whole CSV payload (a raw message). Rows csv-parse cannot read are returned as errors. */
export function parseCsvText(text: string, csv: CsvOptions, limits?: Partial<InputLimits>): CsvRow[] {
  const out: CsvRow[] = [];
  const records = new CsvRecords(csv, limits);
  const rows = parseSync(
    text,
    parserOptions(csv, (raw, message) => out.push({ error: new DecodeError('invalid_csv', `unparseable CSV row: ${message}`), raw })),
  ) as unknown as { record: string[]; raw: string }[];
  for (const { record, raw } of rows) {
    const r = records.row(record, raw.replace(/\r?\n$/, ''));
    if (r) out.push(r);
  }
  return out;
}

/** Streams CSV rows from text chunks (a landed file), constant memory, in file order. */
export async function* streamCsv(chunks: AsyncIterable<string>, csv: CsvOptions, limits?: Partial<InputLimits>): AsyncIterable<CsvRow> {
  const records = new CsvRecords(csv, limits);
  // The parser reports a skipped row as soon as it meets it, possibly before earlier rows were read
  // from its buffer: remember how many rows preceded each skip, to yield everything in file order.
  let parsed = 0;
  const skipped: { after: number; row: CsvRow }[] = [];
  const parser = parse(
    parserOptions(
      csv,
      (raw, message) => skipped.push({ after: parsed, row: { error: new DecodeError('invalid_csv', `unparseable CSV row: ${message}`), raw } }),
      () => parsed++,
    ),
  );
  const feed = (async () => {
    try {
      for await (const chunk of chunks) {
        if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  let consumed = 0;
  for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
    while (skipped.length > 0 && skipped[0]!.after <= consumed) yield skipped.shift()!.row;
    consumed++;
    const r = records.row(item.record, item.raw.replace(/\r?\n$/, ''));
    if (r) yield r;
  }
  while (skipped.length > 0) yield skipped.shift()!.row;
  await feed;
}
