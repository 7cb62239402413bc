/**
 * The demo's counts, worded by what each table holds. `events` is append-only: a duplicate publish
 * (and a Pub/Sub redelivery) lands there a second time, and the `events_dedup` view keeps one row
 * per event id. So the accounting that adds up is published = distinct clean events +
 * dead-lettered + duplicates, not "clean rows + …".
 */

/** What the demo published and what the warehouse holds afterwards. */
export interface DemoCounts {
  /** Events published (every kind). */
  published: number;
  /** Producer messages they went out in. */
  messages: number;
  /** The stream by kind, and how many distinct event ids its clean events have. */
  generated: { valid: number; duplicate: number; late: number; invalid: number; uniqueClean: number };
  /** Rows of `events`, duplicates and redeliveries included. */
  eventsRows: number;
  /** Distinct event ids in `events`: the rows of `events_dedup`. */
  distinctEventIds: number;
  /** Rows of `dead_letter` by `stage/reason`. */
  deadLetterByReason: Record<string, number>;
  latePanes: number;
  /** Rows of `late_data`. */
  lateRecords: number;
  panes: number;
  windows: number;
}

/** The `counts` block the demo prints, one string per line. */
export function countLines(c: DemoCounts): string[] {
  const g = c.generated;
  const deadLettered = Object.values(c.deadLetterByReason).reduce((s, n) => s + n, 0);
  const accounted = c.distinctEventIds + deadLettered + g.duplicate;
  const terms = `${c.distinctEventIds} distinct clean + ${deadLettered} dead-lettered + ${g.duplicate} duplicates`;
  return [
    'counts',
    `  published:        ${c.published} events in ${c.messages} messages (${g.valid} valid, ${g.duplicate} duplicates, ${g.late} late, ${g.invalid} invalid)`,
    `  events rows:      ${c.eventsRows} (append-only: duplicate publishes and redeliveries included)`,
    `  distinct events:  ${c.distinctEventIds} event ids, the rows of events_dedup (expected ${g.uniqueClean})`,
    `  dead-lettered:    ${deadLettered} (expected ${g.invalid} invalid)`,
    ...Object.entries(c.deadLetterByReason).map(([reason, n]) => `    ${reason}: ${n}`),
    `  duplicates:       ${g.duplicate} published twice: in events, removed by events_dedup (events holds ${c.eventsRows - c.distinctEventIds} rows beyond the distinct ids)`,
    accounted === c.published
      ? `  accounting:       published ${c.published} = ${terms}`
      : `  accounting:       published ${c.published} ≠ ${terms} (= ${accounted}): ${accounted < c.published ? `${c.published - accounted} unaccounted for` : `${accounted - c.published} more than published`}`,
    `  late:             ${c.latePanes} late panes (late records within allowed lateness), ${c.lateRecords} records beyond allowed lateness (late_data)`,
    `  panes:            ${c.panes} fired for ${c.windows} windows`,
  ];
}
