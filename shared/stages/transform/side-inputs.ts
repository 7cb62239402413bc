/**
 * Side inputs (reference data for enrichment) as a small port, and a per-instance cache over it.
 *
 * The cache is stale-while-revalidate: the first use of a side input blocks until it is loaded
 * (a record cannot be enriched from nothing); afterwards a lookup never waits — once the TTL has
 * passed it starts one background refresh and keeps answering from the data it has. A failed
 * refresh keeps the old data, logs, and is tried again on a later lookup (not before another TTL
 * has passed, so a broken source is not hammered). A failed first load rejects (the stage throws:
 * Pub/Sub redelivers).
 */
import { TransientError } from '../../core/errors';
import type { Clock } from '../../ports/clock';
import type { EnrichmentDefinition, SideInputSource } from '../../pipeline';

/** One side input's rows, as plain objects. */
export type SideRows = Record<string, unknown>[];

/** Loads a side input's rows. Real loaders read GCS or run a BigQuery query; tests use the fake. */
export interface SideInputLoader {
  load(name: string, source: SideInputSource): Promise<SideRows>;
}

/** In-memory loader for tests: rows per side input name; can be told to fail, counts its calls. */
export class FakeSideInputLoader implements SideInputLoader {
  readonly calls: string[] = [];
  private failures: Error[] = [];
  private gates: (() => void)[] | undefined;

  constructor(readonly rows: Map<string, SideRows> = new Map()) {}

  async load(name: string): Promise<SideRows> {
    this.calls.push(name);
    if (this.gates) await new Promise<void>((resolve) => this.gates!.push(resolve));
    const failure = this.failures.shift();
    if (failure) throw failure;
    const rows = this.rows.get(name);
    if (!rows) throw new Error(`no side input '${name}' in the fake`);
    return structuredClone(rows);
  }

  /** The next load rejects with `err`. */
  failNext(err: Error): void {
    this.failures.push(err);
  }

  /** Holds every load until `release()` (to observe what waits on a load). */
  hold(): void {
    this.gates ??= [];
  }

  /** Lets every held load proceed and stops holding. */
  release(): void {
    const gates = this.gates ?? [];
    this.gates = undefined;
    for (const g of gates) g();
  }
}

/** A loaded side input indexed by its join column's string form. */
export interface SideTable {
  rows: ReadonlyMap<string, Record<string, unknown>>;
  loadedAt: number;
}

interface Entry {
  table?: SideTable;
  /** The load or refresh in flight, if any. */
  inflight?: Promise<SideTable>;
  /** When the current data (or the last failed refresh) was obtained: the TTL counts from here. */
  freshAt: number;
}

export interface SideInputCacheOptions {
  loader: SideInputLoader;
  clock: Clock;
  /** TTL per side input name, in ms. */
  ttlMs: ReadonlyMap<string, number>;
  /** How rows become a table: index by `sideField` and keep the selected fields. */
  index: (name: string, rows: SideRows) => Map<string, Record<string, unknown>>;
  onRefreshError?: (name: string, err: unknown) => void;
}

/** Per-instance cache of side inputs (see the module comment). */
export class SideInputCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: SideInputCacheOptions) {}

  /** The side input's table: blocks only when nothing has been loaded yet. */
  async get(name: string, source: SideInputSource): Promise<SideTable> {
    const now = this.options.clock.now();
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { freshAt: now };
      this.entries.set(name, entry);
    }
    if (!entry.table) {
      entry.inflight ??= this.load(name, source, entry, true);
      return entry.inflight;
    }
    const ttl = this.options.ttlMs.get(name) ?? 0;
    if (!entry.inflight && now - entry.freshAt >= ttl) {
      entry.inflight = this.load(name, source, entry, false);
      entry.inflight.catch(() => undefined);
    }
    return entry.table;
  }

  private async load(name: string, source: SideInputSource, entry: Entry, first: boolean): Promise<SideTable> {
    try {
      const rows = await this.options.loader.load(name, source);
      const table = { rows: this.options.index(name, rows), loadedAt: this.options.clock.now() };
      entry.table = table;
      entry.freshAt = table.loadedAt;
      return table;
    } catch (err) {
      if (first) {
        throw new TransientError(`side input '${name}' could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      entry.freshAt = this.options.clock.now();
      this.options.onRefreshError?.(name, err);
      throw err;
    } finally {
      entry.inflight = undefined;
    }
  }
}

/** Builds the cache's index function for a pipeline's enrichments. */
export function indexerFor(enrichments: readonly EnrichmentDefinition[], coerce: (name: string, row: Record<string, unknown>) => Record<string, unknown>) {
  const byName = new Map(enrichments.map((e) => [e.name, e]));
  return (name: string, rows: SideRows): Map<string, Record<string, unknown>> => {
    const e = byName.get(name);
    const out = new Map<string, Record<string, unknown>>();
    if (!e) return out;
    for (const row of rows) {
      if (typeof row !== 'object' || row === null) continue;
      const k = Object.prototype.hasOwnProperty.call(row, e.sideField) ? row[e.sideField] : undefined;
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') continue;
      const picked: Record<string, unknown> = {};
      for (const f of Object.keys(e.fields)) {
        if (Object.prototype.hasOwnProperty.call(row, f)) picked[f] = row[f];
      }
      // First row wins for a duplicated key: deterministic across refreshes of the same data.
      if (!out.has(String(k))) out.set(String(k), coerce(name, picked));
    }
    return out;
  };
}
