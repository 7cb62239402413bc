/**
 * Debezium-style change events (`op`, `before`, `after`, `ts_ms`, `source`), bare or wrapped in
 * Debezium's JSON-converter `{schema, payload}`. The row after the change becomes the record (the
 * row before it for a delete); the operation, source position and `before` image travel in
 * `Envelope.source.cdc`.
 */
import { DecodeError } from '../../core/errors';
import type { CdcInfo } from '../../messages';

export interface CdcChange {
  record: Record<string, unknown>;
  cdc: CdcInfo;
  /** Debezium's `ts_ms` (commit time at the source), when present. */
  tsMs?: number;
}

const OPS = new Set(['c', 'u', 'd', 'r']);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** True when a decoded value looks like a change event (so a mixed-format pipeline can tell). */
export function looksLikeCdc(value: unknown): boolean {
  if (!isObject(value)) return false;
  const body = isObject(value.payload) && 'op' in value.payload ? value.payload : value;
  return typeof body.op === 'string' && ('after' in body || 'before' in body);
}

/**
 * The position that orders a change at its source, as a string: Postgres `lsn`, MySQL
 * `file:pos[:row]`, SQL Server `commit_lsn:change_lsn`, Oracle `scn`, MongoDB `ord`. Empty when
 * the source block has none (an event id from `cdcPosition` then fails as missing).
 */
export function cdcPositionOf(source: unknown): string {
  if (!isObject(source)) return '';
  const s = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const lsn = s(source.lsn);
  if (lsn !== undefined) return lsn;
  const file = s(source.file);
  const pos = s(source.pos);
  if (file !== undefined && pos !== undefined) return [file, pos, s(source.row) ?? '0'].join(':');
  const commit = s(source.commit_lsn);
  const change = s(source.change_lsn);
  if (commit !== undefined || change !== undefined) return `${commit ?? ''}:${change ?? ''}`;
  return s(source.scn) ?? s(source.ord) ?? '';
}

/**
 * Normalises one change event.
 * @throws DecodeError `cdc_invalid_op`, `cdc_missing_after` (create/update/read without `after`),
 *   `cdc_missing_before` (delete without `before`).
 */
export function cdcChangeOf(value: unknown): CdcChange {
  if (!isObject(value)) throw new DecodeError('cdc_invalid_op', 'a change event must be a JSON object with op, before/after, ts_ms and source');
  const body = isObject(value.payload) && 'op' in value.payload ? value.payload : value;
  const op = body.op;
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw new DecodeError('cdc_invalid_op', `a change event's op must be one of c, u, d, r (create, update, delete, snapshot read); got ${JSON.stringify(op)?.slice(0, 40) ?? 'nothing'}`);
  }
  const before = body.before;
  const after = body.after;
  let record: unknown;
  if (op === 'd') {
    if (!isObject(before)) throw new DecodeError('cdc_missing_before', "a delete change event must carry the deleted row in 'before' (enable the connector's full before-images)");
    record = before;
  } else {
    if (!isObject(after)) throw new DecodeError('cdc_missing_after', `a '${op}' change event must carry the new row in 'after'; got ${after === null ? 'null' : typeof after}`);
    record = after;
  }
  const cdc: CdcInfo = { op: op as CdcInfo['op'], position: cdcPositionOf(body.source) };
  if (op !== 'c' && op !== 'r' && (isObject(before) || before === null)) cdc.before = before as Record<string, unknown> | null;
  const tsMs = body.ts_ms;
  return {
    record: record as Record<string, unknown>,
    cdc,
    ...(typeof tsMs === 'number' || typeof tsMs === 'string' ? { tsMs: tsMs as number } : {}),
  };
}
