/**
 * Enrichment: joins side-input rows onto records (`record[into] = {selected fields}`), from tables
 * the `SideInputCache` holds. Side rows' selected fields are coerced to their declared JSON Schema
 * types once per load (CSV reference data arrives as strings); a field that cannot be coerced is
 * left out rather than written with the wrong type.
 */
import { parseDuration } from '../../core/duration';
import type { AnyPipeline, EnrichmentDefinition } from '../../pipeline';
import { getPath } from '../../pipeline';
import type { Clock } from '../../ports/clock';
import { compileRecordSchema } from './record-validator';
import { indexerFor, SideInputCache, type SideInputLoader, type SideTable } from './side-inputs';

export type EnrichmentOutcome = { ok: true; record: Record<string, unknown> } | { ok: false; reason: string; message: string };

/** A pipeline's enrichments over a per-instance side-input cache. */
export class Enricher {
  readonly cache: SideInputCache;
  private readonly enrichments: readonly EnrichmentDefinition[];

  constructor(pipeline: AnyPipeline, loader: SideInputLoader, clock: Clock, onRefreshError?: (name: string, err: unknown) => void) {
    this.enrichments = pipeline.enrichment;
    const coercers = new Map(
      this.enrichments.map((e) => {
        const perField = Object.entries(e.fields).map(([f, s]) => [f, compileRecordSchema({ type: 'object', properties: { v: s } })] as const);
        return [e.name, perField] as const;
      }),
    );
    const coerce = (name: string, row: Record<string, unknown>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [f, validate] of coercers.get(name) ?? []) {
        if (!Object.prototype.hasOwnProperty.call(row, f)) continue;
        const holder = { v: row[f] };
        if (validate(holder)) out[f] = holder.v;
      }
      return out;
    };
    this.cache = new SideInputCache({
      loader,
      clock,
      ttlMs: new Map(this.enrichments.map((e, i) => [e.name, parseDuration(e.ttl, `enrichment[${i}].ttl`)])),
      index: indexerFor(this.enrichments, coerce),
      ...(onRefreshError ? { onRefreshError } : {}),
    });
  }

  get isEmpty(): boolean {
    return this.enrichments.length === 0;
  }

  /** The current tables, one per enrichment (blocks only on a first load). */
  async tables(): Promise<Map<string, SideTable>> {
    const out = new Map<string, SideTable>();
    await Promise.all(this.enrichments.map(async (e) => out.set(e.name, await this.cache.get(e.name, e.source))));
    return out;
  }

  /** Enriches a copy of `record`; a miss under `onMissing: 'deadLetter'` fails with `enrichment_missing:<name>`. */
  apply(record: Record<string, unknown>, tables: ReadonlyMap<string, SideTable>): EnrichmentOutcome {
    if (this.enrichments.length === 0) return { ok: true, record };
    const out = { ...record };
    for (const e of this.enrichments) {
      const v = getPath(record, e.recordField);
      const key = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
      const row = key === undefined ? undefined : tables.get(e.name)?.rows.get(key);
      if (row) {
        out[e.into] = { ...row };
      } else if (e.onMissing === 'deadLetter') {
        return {
          ok: false,
          reason: `enrichment_missing:${e.name}`,
          message: `${e.recordField} = ${JSON.stringify(v) ?? 'missing'} has no row in side input '${e.name}' (matched on ${e.sideField}); add it to the reference data or set onMissing: 'keep'`,
        };
      }
    }
    return { ok: true, record: out };
  }
}
