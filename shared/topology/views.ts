/**
 * The BigQuery views of a pipeline, in plain Standard SQL (no QUALIFY, no SELECT * EXCEPT: the
 * local BigQuery emulator's support for those is not assured; explicit column lists and a
 * ROW_NUMBER subquery work everywhere).
 *
 * - `events_dedup`: one row per `event_id` (the first ingested).
 * - `late_data_dedup`: one row per late record and window (the first written).
 * - `<aggregation>`: the latest pane per (key, window), deduplicated by pane id. For session
 *   windows, windows that were later merged into a larger session of the same key are left out, so
 *   the view shows each session once, at its final extent. With DISCARDING accumulation a pane
 *   holds only what arrived since the previous pane: sum the pane table instead for totals.
 * - data marts: the definition's SQL with `{{table}}` placeholders expanded.
 */
import { PANES_SUFFIX, type AggregationDefinition, type Pipeline } from '../pipeline';
import type { TableSpec, ViewSpec } from './types';

/** `` `project.dataset.table` `` */
export function qualified(project: string, dataset: string, table: string): string {
  return `\`${project}.${dataset}.${table}\``;
}

const columnList = (t: TableSpec, alias?: string): string =>
  t.schema.map((c) => (alias ? `${alias}.\`${c.name}\`` : `\`${c.name}\``)).join(', ');

const ROW_NUMBER_COLUMN = '_sluice_rn';

export function dedupedEventsView(project: string, dataset: string, events: TableSpec): ViewSpec {
  return firstRowView(project, dataset, events, {
    name: 'events_dedup',
    role: 'dedupedEvents',
    description: 'events with one row per event_id (the first ingested).',
    partitionBy: ['event_id'],
    orderBy: ['ingest_time', 'message_id'],
  });
}

/**
 * `late_data_dedup`: one row per late record and window (the row's insert id: aggregation, event
 * id, window start), the first written. A redelivered late record, or an outbox inserted again
 * after a crash, is the same row twice in `late_data` (the emulators never, BigQuery only
 * best-effort, drop repeated insert ids).
 */
export function dedupedLateDataView(project: string, dataset: string, late: TableSpec): ViewSpec {
  return firstRowView(project, dataset, late, {
    name: 'late_data_dedup',
    role: 'dedupedLateData',
    description: 'late_data with one row per (aggregation, event_id, window_start): the first written.',
    partitionBy: ['aggregation', 'event_id', 'window_start'],
    orderBy: ['at'],
  });
}

/** A view of `table` keeping the first row (by `orderBy`, ascending) of each `partitionBy` group. */
function firstRowView(
  project: string,
  dataset: string,
  table: TableSpec,
  v: { name: string; role: ViewSpec['role']; description: string; partitionBy: string[]; orderBy: string[] },
): ViewSpec {
  const cols = columnList(table);
  const list = (names: string[], suffix = ''): string => names.map((n) => `\`${n}\`${suffix}`).join(', ');
  return {
    name: v.name,
    role: v.role,
    description: v.description,
    sql: [
      `SELECT ${cols}`,
      'FROM (',
      `  SELECT ${cols},`,
      `    ROW_NUMBER() OVER (PARTITION BY ${list(v.partitionBy)} ORDER BY ${list(v.orderBy, ' ASC')}) AS ${ROW_NUMBER_COLUMN}`,
      `  FROM ${qualified(project, dataset, table.name)}`,
      ')',
      `WHERE ${ROW_NUMBER_COLUMN} = 1`,
    ].join('\n'),
    dependsOn: [table.name],
  };
}

export function latestPaneView(project: string, dataset: string, a: AggregationDefinition, panes: TableSpec): ViewSpec {
  const table = qualified(project, dataset, panes.name);
  const cols = columnList(panes);
  const latest = [
    `SELECT ${cols}`,
    'FROM (',
    `  SELECT ${cols},`,
    `    ROW_NUMBER() OVER (PARTITION BY \`key\`, \`window_start\`, \`window_end\` ORDER BY \`pane_index\` DESC, \`fired_at\` DESC, \`pane_id\`) AS ${ROW_NUMBER_COLUMN}`,
    `  FROM ${table}`,
    ')',
    `WHERE ${ROW_NUMBER_COLUMN} = 1`,
  ];
  const sql =
    a.window.kind === 'sessions'
      ? [
          'WITH latest AS (',
          ...latest.map((l) => `  ${l}`),
          ')',
          `SELECT ${columnList(panes, 'l')}`,
          'FROM latest AS l',
          'LEFT JOIN latest AS m',
          '  ON m.`key` = l.`key`',
          '  AND m.`window_start` <= l.`window_start` AND m.`window_end` >= l.`window_end`',
          '  AND (m.`window_start` < l.`window_start` OR m.`window_end` > l.`window_end`)',
          'WHERE m.`key` IS NULL',
        ].join('\n')
      : latest.join('\n');
  return {
    name: a.name,
    role: 'latestPane',
    aggregation: a.name,
    description:
      `Latest pane per key and window of ${a.name}, deduplicated by pane id` +
      (a.window.kind === 'sessions' ? '; sessions merged into larger ones are left out' : '') +
      (a.accumulation === 'DISCARDING' ? '. DISCARDING: each pane holds only its increment; sum the pane table for totals.' : '.'),
    sql,
    dependsOn: [panes.name],
  };
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Expands `{{name}}` placeholders to fully qualified names; returns the SQL and the names it read. */
export function expandPlaceholders(sql: string, project: string, dataset: string): { sql: string; dependsOn: string[] } {
  const deps: string[] = [];
  const out = sql.replace(PLACEHOLDER, (_m, name: string) => {
    if (!deps.includes(name)) deps.push(name);
    return qualified(project, dataset, name);
  });
  return { sql: out.trim().replace(/;\s*$/, ''), dependsOn: deps };
}

/** All views in dependency order: events_dedup, late_data_dedup, one per aggregation, then the data marts as declared. */
export function viewsFor(p: Pipeline, project: string, dataset: string, tables: readonly TableSpec[]): ViewSpec[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const events = byName.get('events')!;
  const views: ViewSpec[] = [dedupedEventsView(project, dataset, events)];
  const late = byName.get('late_data');
  if (late) views.push(dedupedLateDataView(project, dataset, late));
  for (const a of p.aggregations) views.push(latestPaneView(project, dataset, a, byName.get(`${a.name}${PANES_SUFFIX}`)!));
  for (const v of p.views) {
    const { sql, dependsOn } = expandPlaceholders(v.sql, project, dataset);
    views.push({ name: v.name, role: 'dataMart', description: v.description ?? `Data mart ${v.name}.`, sql, dependsOn });
  }
  return views;
}
