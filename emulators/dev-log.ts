/**
 * The dev stack's log view: every stage's lines side by side, each behind a fixed-width, colored
 * stage prefix. Structured log lines (the JSON of `createLogger`) are shown compactly: time,
 * severity, message, then the remaining fields — the pipeline and stage are already in the prefix.
 */
import { inspect } from 'node:util';

type Color = keyof typeof inspect.colors;

/** ANSI-colored `s` (the caller decides whether the output is a terminal). */
function styleText(c: Color, s: string): string {
  const [on, off] = inspect.colors[c] ?? [39, 39];
  return `\u001b[${on}m${s}\u001b[${off}m`;
}

const STAGE_COLORS: Record<string, Color> = {
  dev: 'gray',
  ingest: 'cyan',
  transform: 'magenta',
  aggregator: 'yellow',
  deadletter: 'red',
  tick: 'blue',
};
const SEVERITY_COLORS: Record<string, Color> = { DEBUG: 'gray', INFO: 'green', WARNING: 'yellow', ERROR: 'red' };
const WIDTH = 10;

/** One display line for `line` from `source`; `color` off gives plain text (pipes, files, tests). */
export function formatStageLine(source: string, line: string, options: { color: boolean; now?: Date }): string {
  const paint = (c: Color | undefined, s: string): string => (options.color && c ? styleText(c, s) : s);
  const prefix = paint(STAGE_COLORS[source] ?? 'white', `${source.padEnd(WIDTH).slice(0, WIDTH)}│`);
  return `${prefix} ${compact(line, paint, options.now)}`;
}

function compact(line: string, paint: (c: Color | undefined, s: string) => string, now: Date | undefined): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.message !== 'string') return line;
  const { severity, message, pipeline: _p, stage: _s, ...rest } = entry;
  const sev = typeof severity === 'string' ? severity : 'INFO';
  const time = now ? `${now.toISOString().slice(11, 23)} ` : '';
  const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `${time}${paint(SEVERITY_COLORS[sev], sev.padEnd(7))} ${message}${fields}`;
}
