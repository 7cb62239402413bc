/**
 * `sluice query "<SQL>"`: Standard SQL against the pipeline's dataset. `{{name}}` placeholders
 * become fully qualified names of the topology's tables and views (an unknown name is an error
 * listing the known ones). Every job carries `maximumBytesBilled`, so a mistyped query on a big
 * table fails instead of billing (the emulator ignores the cap; BigQuery enforces it).
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { ConfigError } from '../shared/core/errors';
import { expandPlaceholders, type Topology } from '../shared/topology';

/** Default bytes-billed cap: 1 GB (about half a US cent at on-demand prices). */
export const DEFAULT_MAX_BYTES = 1_000_000_000;

/** SQL with `{{name}}` resolved against the topology's dataset. */
export function resolveSql(sql: string, topology: Topology): string {
  const known = [...topology.dataset.tables, ...topology.dataset.views].map((t) => t.name);
  const { sql: out, dependsOn } = expandPlaceholders(sql, topology.project, topology.dataset.id);
  const unknown = dependsOn.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw new ConfigError('query', `unknown table or view ${unknown.map((n) => `{{${n}}}`).join(', ')}; the pipeline ${topology.pipeline} has ${known.join(', ')}`);
  }
  return out;
}

export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`--max-bytes must be a whole number of bytes ≥ 1; got ${maxBytes}`);
}

export interface QueryResult {
  rows: Array<Record<string, unknown>>;
  /** From the job statistics; undefined when the service does not report it (emulator). */
  bytesBilled?: number;
  bytesProcessed?: number;
  jobId?: string;
}

/** Runs the (already resolved) SQL with the bytes-billed cap. */
export async function runQuery(bigquery: BigQuery, sql: string, o: { maxBytes: number; location?: string }): Promise<QueryResult> {
  checkMaxBytes(o.maxBytes);
  const [job] = await bigquery.createQueryJob({ query: sql, useLegacySql: false, maximumBytesBilled: String(o.maxBytes), ...(o.location ? { location: o.location } : {}) });
  const [rows] = await job.getQueryResults();
  const stats = (job.metadata as { statistics?: { query?: { totalBytesBilled?: string; totalBytesProcessed?: string } } } | undefined)?.statistics?.query;
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const billed = num(stats?.totalBytesBilled);
  const processed = num(stats?.totalBytesProcessed);
  return {
    rows: rows as Array<Record<string, unknown>>,
    ...(billed !== undefined ? { bytesBilled: billed } : {}),
    ...(processed !== undefined ? { bytesProcessed: processed } : {}),
    ...(job.id ? { jobId: job.id } : {}),
  };
}

/** A cell as text: BigQuery's wrapped values (timestamps, dates, numerics) unwrapped, nested values as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('base64');
  const p = plain(v);
  return typeof p === 'object' && p !== null ? JSON.stringify(p) : cellText(p);
}

function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain);
  const keys = Object.keys(v);
  // BigQueryTimestamp, BigQueryDate, BigQueryDatetime, BigQueryTime, BigQueryInt: { value }.
  if (keys.length === 1 && keys[0] === 'value') return (v as { value: unknown }).value;
  return Object.fromEntries(keys.map((k) => [k, plain((v as Record<string, unknown>)[k])]));
}

/** Rows as an aligned text table (columns in first-seen order; cells cut at `maxWidth`). */
export function formatTable(rows: ReadonlyArray<Record<string, unknown>>, maxWidth = 60): string {
  if (rows.length === 0) return '(no rows)';
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const cut = (s: string): string => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = rows.map((r) => columns.map((c) => cut(cellText(r[c]).replace(/\s+/g, ' '))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}
