/**
 * The real side-input loaders: a GCS object (JSON array, NDJSON or CSV with a header line) read
 * through the `ObjectStore` port, and a BigQuery query with `maximumBytesBilled` set (the project's
 * guardrail on every query it issues).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { ObjectStore } from '../../ports/object-store';
import { REFERENCE_BUCKET_PLACEHOLDER, type SideInputSource } from '../../pipeline';
import type { SideInputLoader, SideRows } from './side-inputs';

/** Parses a side input object's bytes. Rows that are not JSON objects are skipped. */
export function parseSideInput(data: Buffer, format: 'json' | 'ndjson' | 'csv'): SideRows {
  const text = data.toString('utf8');
  const isRow = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  switch (format) {
    case 'json': {
      const v: unknown = JSON.parse(text);
      if (!Array.isArray(v)) throw new Error('a JSON side input must be an array of objects');
      return v.filter(isRow);
    }
    case 'ndjson':
      return text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as unknown)
        .filter(isRow);
    case 'csv':
      return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as SideRows;
  }
}

function parseGcsUri(uri: string): { bucket: string; object: string } {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m || m[1] === REFERENCE_BUCKET_PLACEHOLDER) throw new Error(`a GCS side input uri is gs://bucket/object (a {{reference}} bucket is resolved by the topology); got ${JSON.stringify(uri)}`);
  return { bucket: m[1]!, object: m[2]! };
}

/** What the loader needs of the BigQuery client (`@google-cloud/bigquery`'s `BigQuery` satisfies it). */
export interface QueryRunner {
  query(options: { query: string; maximumBytesBilled: string; useLegacySql: false }): Promise<[unknown[], ...unknown[]]>;
}

export interface SideInputLoaderOptions {
  objects: ObjectStore;
  bigquery?: QueryRunner;
  /** Query text per side input name with `{{table}}` placeholders resolved (the topology's `sideInputs[].query`). */
  queries?: ReadonlyMap<string, string>;
  /** Object per GCS side input name with the `{{reference}}` bucket resolved (the topology's `sideInputs[].bucket/object`). */
  objectsByName?: ReadonlyMap<string, { bucket: string; object: string }>;
  /** Cap on bytes a side-input query may bill. */
  maximumBytesBilled: number;
}

/** Loads GCS and BigQuery side inputs. */
export class CloudSideInputLoader implements SideInputLoader {
  constructor(private readonly options: SideInputLoaderOptions) {}

  async load(name: string, source: SideInputSource): Promise<SideRows> {
    if (source.kind === 'gcs') {
      const { bucket, object } = this.options.objectsByName?.get(name) ?? parseGcsUri(source.uri);
      return parseSideInput(await this.options.objects.read(bucket, object), source.format);
    }
    const bq = this.options.bigquery;
    if (!bq) throw new Error(`side input '${name}' is a BigQuery query but no BigQuery client was wired`);
    const query = this.options.queries?.get(name) ?? source.query;
    const [rows] = await bq.query({ query, maximumBytesBilled: String(this.options.maximumBytesBilled), useLegacySql: false });
    return rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
  }
}
