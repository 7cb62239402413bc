/**
 * Schema drift: records whose shape differs from what the schema registry knows — a field it has
 * never seen (`added`), a field every record so far carried now absent (`missing`), or a value of
 * a type it has not seen for that field (`retyped`).
 *
 * The registry is one Firestore document per pipeline (`<schemaRegistry>/latest`): the known fields
 * with their observed JSON types, a version, and an outbox of `schema_drift` rows not yet confirmed
 * in BigQuery. It starts from the declared record schema. Each instance keeps a copy and compares
 * records with it in memory, so steady traffic costs nothing; only a shape the copy has not seen
 * runs a transaction, which applies just the changes the document does not already hold — so
 * concurrent instances that see the same change record it once. The BigQuery row goes through the
 * outbox: committed with the change and claimed by the instance that recorded it, inserted with
 * `insertId` = change id, then cleared. A row whose insert failed (or whose instance died) stays;
 * once its claim expires, the next instance to look (on its next delivery, or at cold start)
 * claims and inserts it — so the row is never lost, and two instances never insert it at once.
 */
import { sha256Hex } from '../../core/hash';
import type { JsonSchema, RecordSchema } from '../../pipeline';
import { schemaTypes } from '../../pipeline';
import type { Sink } from '../../ports/sink';
import type { Doc, StateStore } from '../../ports/state-store';

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** The JSON type of a value (`integer` for whole numbers). */
export function jsonTypeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v as JsonType;
  return 'object';
}

/** A field as the registry knows it. `types` empty = unconstrained (never retyped). */
export interface KnownField {
  path: string;
  types: string[];
  /** False while every record carrying the parent has carried this field. */
  optional: boolean;
}

export interface RegistryState {
  version: number;
  fields: KnownField[];
}

export type DriftKind = 'added' | 'missing' | 'retyped';

export interface DriftChange {
  field: string;
  change: DriftKind;
  previousType: string | null;
  observedType: string | null;
}

/** Most fields the registry tracks; beyond it, new fields are kept in `extra_json` but no longer recorded (bounded document). */
export const MAX_TRACKED_FIELDS = 500;

/** The registry's starting point: every declared path, its declared types, and whether it is required. */
export function initialRegistryState(schema: RecordSchema): RegistryState {
  const fields: KnownField[] = [];
  const walk = (s: JsonSchema, prefix: string): void => {
    const required = new Set(Array.isArray(s.required) ? s.required : []);
    for (const [name, sub] of Object.entries(s.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const types = [...schemaTypes(sub)].sort();
      fields.push({ path, types, optional: !required.has(name) });
      if (sub.properties) walk(sub, path);
    }
  };
  walk(schema, '');
  return { version: 1, fields };
}

/**
 * A record's shape: the JSON type of every top-level field, and of nested fields under objects
 * the registry knows to have properties (unknown objects count as one field).
 */
export function shapeOf(record: Record<string, unknown>, known: ReadonlyMap<string, KnownField>): Map<string, JsonType> {
  const out = new Map<string, JsonType>();
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const k of Object.keys(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      const v = obj[k];
      const t = jsonTypeOf(v);
      out.set(path, t);
      if (t === 'object' && hasChildren(known, path)) walk(v as Record<string, unknown>, path);
    }
  };
  walk(record, '');
  return out;
}

function hasChildren(known: ReadonlyMap<string, KnownField>, path: string): boolean {
  const prefix = `${path}.`;
  for (const k of known.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

const typeAdmitted = (types: readonly string[], t: JsonType): boolean =>
  types.length === 0 || t === 'null' || types.includes(t) || (t === 'integer' && types.includes('number'));

const parentOf = (path: string): string | undefined => (path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : undefined);

/** Changes between a record's shape and the registry's fields (pure). */
export function diffShape(shape: ReadonlyMap<string, JsonType>, known: ReadonlyMap<string, KnownField>): DriftChange[] {
  const out: DriftChange[] = [];
  for (const [path, t] of shape) {
    const k = known.get(path);
    if (!k) out.push({ field: path, change: 'added', previousType: null, observedType: t });
    else if (!typeAdmitted(k.types, t)) out.push({ field: path, change: 'retyped', previousType: k.types.join('|'), observedType: t });
  }
  for (const k of known.values()) {
    if (k.optional || shape.has(k.path)) continue;
    const parent = parentOf(k.path);
    if (parent !== undefined && shape.get(parent) !== 'object') continue;
    out.push({ field: k.path, change: 'missing', previousType: k.types.join('|') || null, observedType: null });
  }
  return out;
}

/** Stable id of a change: the `schema_drift` insert id, and how two instances recognise the same change. */
export function changeIdOf(c: DriftChange): string {
  return sha256Hex(`${c.change}\n${c.field}\n${c.observedType ?? ''}`).slice(0, 32);
}

/** Applies changes to a state; returns the changes that were not already reflected. */
export function applyChanges(state: RegistryState, changes: readonly DriftChange[]): { state: RegistryState; applied: DriftChange[] } {
  const fields = new Map(state.fields.map((f) => [f.path, { ...f, types: [...f.types] }]));
  const applied: DriftChange[] = [];
  for (const c of changes) {
    const f = fields.get(c.field);
    if (c.change === 'added') {
      if (f || fields.size >= MAX_TRACKED_FIELDS) continue;
      fields.set(c.field, { path: c.field, types: c.observedType && c.observedType !== 'null' ? [c.observedType] : [], optional: false });
    } else if (c.change === 'retyped') {
      if (!f || c.observedType === null || typeAdmitted(f.types, c.observedType as JsonType)) continue;
      f.types = [...f.types, c.observedType].sort();
    } else {
      if (!f || f.optional) continue;
      f.optional = true;
    }
    applied.push(c);
  }
  if (applied.length === 0) return { state, applied };
  return { state: { version: state.version + 1, fields: [...fields.values()] }, applied };
}

/** A `schema_drift` row waiting in the registry's outbox. */
export interface PendingDriftRow {
  id: string;
  json: Record<string, unknown>;
  /** Epoch ms until which one instance holds the row to insert it; afterwards any instance may take it over. */
  claimedUntil: number;
}

/** How long an instance holds an outbox row it is inserting before others may take it over. */
export const OUTBOX_CLAIM_MS = 30_000;

export interface SchemaRegistryOptions {
  pipeline: string;
  schema: RecordSchema;
  store: StateStore;
  sink: Sink;
  /** Document path of the registry (`<topology.firestore.collections.schemaRegistry>/latest`). */
  documentPath: string;
  /** The `schema_drift` table name. */
  table?: string;
}

/** Change observed in one delivery, with an example event and what the policy did to the records. */
export interface ObservedChange extends DriftChange {
  sampleEventId: string;
  action: 'kept' | 'dead_lettered';
}

/** The schema registry (see the module comment). */
export class SchemaRegistry {
  private state: RegistryState;
  private known: Map<string, KnownField>;
  private readonly table: string;
  /** Change ids this instance has recorded or found recorded: never sent to Firestore again. */
  private readonly seen = new Set<string>();
  private loaded: Promise<void> | undefined;
  /** When set, outbox rows were left pending (by us or another instance): retry from this time on. */
  private retryOutboxAt: number | undefined;

  constructor(private readonly options: SchemaRegistryOptions) {
    this.state = initialRegistryState(options.schema);
    this.known = new Map(this.state.fields.map((f) => [f.path, f]));
    this.table = options.table ?? 'schema_drift';
  }

  /** The fields this instance knows (for `shapeOf` / `diffShape`). */
  get fields(): ReadonlyMap<string, KnownField> {
    return this.known;
  }

  get version(): number {
    return this.state.version;
  }

  /**
   * Loads the registry document once per instance (one read per cold start), so known changes are
   * not re-sent and rows a crashed instance left in the outbox get inserted. Retried on failure.
   */
  ready(nowMs: number): Promise<void> {
    this.loaded ??= this.options.store.getAll([this.options.documentPath]).then(
      ([doc]) => {
        if (!doc) return;
        this.adopt(stateOf(doc));
        const pending = pendingOf(doc);
        if (pending.length > 0) this.retryOutboxAt = Math.max(nowMs, Math.min(...pending.map((p) => p.claimedUntil)));
      },
      (err: unknown) => {
        this.loaded = undefined;
        throw err;
      },
    );
    return this.loaded;
  }

  /** Whether outbox rows are waiting for this instance to (re)try them. */
  outboxDue(nowMs: number): boolean {
    return this.retryOutboxAt !== undefined && nowMs >= this.retryOutboxAt;
  }

  /** Changes of one record vs this instance's copy of the registry (no I/O). */
  diff(record: Record<string, unknown>): DriftChange[] {
    const full = this.known.size >= MAX_TRACKED_FIELDS;
    return diffShape(shapeOf(record, this.known), this.known).filter((c) => !(full && c.change === 'added') && !this.seen.has(changeIdOf(c)));
  }

  /**
   * Records changes (deduplicated by id) in Firestore and `schema_drift`, once across instances, and
   * inserts outbox rows whose claim has expired. Resolves when what this call claimed is durable in
   * both; returns the changes this call was first to record. Call with no changes to retry the outbox.
   */
  async record(changes: readonly ObservedChange[], nowMs: number): Promise<ObservedChange[]> {
    const unique = new Map<string, ObservedChange>();
    for (const c of changes) if (!unique.has(changeIdOf(c))) unique.set(changeIdOf(c), c);
    const path = this.options.documentPath;
    const claimUntil = nowMs + OUTBOX_CLAIM_MS;
    const { state, claimed, heldByOthers, applied } = await this.options.store.transaction(async (tx) => {
      const [doc] = await tx.getAll([path]);
      const current = doc ? stateOf(doc) : initialRegistryState(this.options.schema);
      const result = applyChanges(current, [...unique.values()]);
      const firsts = result.applied.map((c) => unique.get(changeIdOf(c))!);
      const mineIds = new Set<string>();
      const outbox = (doc ? pendingOf(doc) : []).map((p) => {
        if (p.claimedUntil > nowMs) return p;
        mineIds.add(p.id);
        return { ...p, claimedUntil: claimUntil };
      });
      const fresh = firsts.map((c) => ({ id: changeIdOf(c), json: this.rowOf(c, result.state.version, nowMs), claimedUntil: claimUntil }));
      for (const f of fresh) mineIds.add(f.id);
      const next = [...outbox, ...fresh];
      const mine = next.filter((p) => mineIds.has(p.id));
      const others = next.filter((p) => !mineIds.has(p.id));
      if (doc && mine.length === 0) return { state: current, claimed: mine, heldByOthers: others, applied: firsts };
      tx.set(path, { version: result.state.version, fields: result.state.fields, pending: next, updatedAt: nowMs });
      return { state: result.state, claimed: mine, heldByOthers: others, applied: firsts };
    });
    this.adopt(state);
    // Whatever is claimed now is retried after the claim, should this insert fail or others' stall.
    const waits = [...claimed, ...heldByOthers].map((p) => p.claimedUntil);
    this.retryOutboxAt = waits.length > 0 ? Math.min(...waits) : undefined;
    await this.flushOutbox(claimed);
    const left = heldByOthers.map((p) => p.claimedUntil);
    this.retryOutboxAt = left.length > 0 ? Math.min(...left) : undefined;
    for (const id of unique.keys()) this.seen.add(id);
    return applied;
  }

  /** Inserts claimed outbox rows and clears them from the document. */
  private async flushOutbox(claimed: readonly PendingDriftRow[]): Promise<void> {
    if (claimed.length === 0) return;
    await this.options.sink.insert(
      this.table,
      claimed.map((p) => ({ insertId: p.id, json: p.json })),
    );
    const done = new Set(claimed.map((p) => p.id));
    const path = this.options.documentPath;
    await this.options.store.transaction(async (tx) => {
      const [doc] = await tx.getAll([path]);
      if (!doc) return;
      tx.set(path, { ...doc, pending: pendingOf(doc).filter((p) => !done.has(p.id)) });
    });
  }

  private adopt(state: RegistryState): void {
    this.state = state;
    this.known = new Map(state.fields.map((f) => [f.path, f]));
  }

  private rowOf(c: ObservedChange, version: number, nowMs: number): Record<string, unknown> {
    return {
      pipeline: this.options.pipeline,
      field: c.field,
      change: c.change,
      previous_type: c.previousType,
      observed_type: c.observedType,
      schema_version: version,
      sample_event_id: c.sampleEventId,
      action: c.action,
      detected_at: new Date(nowMs).toISOString(),
    };
  }
}

function stateOf(doc: Doc): RegistryState {
  const version = typeof doc.version === 'number' ? doc.version : 1;
  const fields = Array.isArray(doc.fields) ? (doc.fields as KnownField[]) : [];
  return { version, fields: fields.map((f) => ({ path: f.path, types: [...(f.types ?? [])], optional: Boolean(f.optional) })) };
}

function pendingOf(doc: Doc): PendingDriftRow[] {
  if (!Array.isArray(doc.pending)) return [];
  return (doc.pending as PendingDriftRow[]).map((p) => ({ ...p, claimedUntil: typeof p.claimedUntil === 'number' ? p.claimedUntil : 0 }));
}
