/**
 * Data-quality expectations (in the spirit of Great Expectations), compiled once per pipeline and
 * evaluated on each validated record. Every rule runs on every record that reaches it, so the
 * per-rule pass/fail counts describe the whole stream, not just the records before the first
 * failure. A record fails when any `error`-severity rule fails; `warn` rules only count.
 *
 * Null and absent values pass every rule except `notNull` (as in Great Expectations: presence is
 * `notNull`'s job, so a range on an optional field does not reject records that leave it out).
 */
import { parseDuration } from '../../core/duration';
import { type AnyPipeline, type Expectation, getPath, parseTimestamp } from '../../pipeline';

/** Pass and fail counts of one rule. */
export interface RuleCounts {
  passed: number;
  failed: number;
}

/** The outcome for one record: the error-severity rules that failed (dead-letter), and the warnings. */
export interface ExpectationResult {
  failed: { id: string; message: string }[];
  warned: { id: string; message: string }[];
}

type Check = (record: Record<string, unknown>, eventTime: number, nowMs: number) => string | undefined;

interface CompiledRule {
  id: string;
  severity: 'error' | 'warn';
  check: Check;
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null;
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** A timestamp field's value as epoch ms: numbers are epoch ms, strings RFC 3339 (or epoch-ms digits). */
function timestampOf(v: unknown): number | undefined {
  if (typeof v === 'number') return parseTimestamp(v, 'epochMs');
  if (typeof v === 'string') return parseTimestamp(v, 'rfc3339') ?? parseTimestamp(v, 'epochMs');
  return undefined;
}

function compileRule(e: Expectation, at: string): Check {
  switch (e.kind) {
    case 'notNull':
      return (r) => (isAbsent(getPath(r, e.field)) ? `${e.field} must not be null or missing` : undefined);
    case 'range':
      return (r) => {
        const v = getPath(r, e.field);
        if (isAbsent(v)) return undefined;
        if (typeof v !== 'number' || !Number.isFinite(v)) return `${e.field} must be a number for a range rule; got ${show(v)}`;
        const lowOk = e.min === undefined || (e.exclusiveMin ? v > e.min : v >= e.min);
        const highOk = e.max === undefined || (e.exclusiveMax ? v < e.max : v <= e.max);
        if (lowOk && highOk) return undefined;
        const lo = e.min === undefined ? '' : `${e.min} ${e.exclusiveMin ? '<' : '≤'} `;
        const hi = e.max === undefined ? '' : ` ${e.exclusiveMax ? '<' : '≤'} ${e.max}`;
        return `${e.field} must satisfy ${lo}value${hi}; got ${v}`;
      };
    case 'regex': {
      const re = new RegExp(e.pattern, (e.flags ?? '').replace(/[gy]/g, ''));
      return (r) => {
        const v = getPath(r, e.field);
        if (isAbsent(v)) return undefined;
        if (typeof v !== 'string' && typeof v !== 'number') return `${e.field} must be a string matching /${e.pattern}/; got ${show(v)}`;
        return re.test(String(v)) ? undefined : `${e.field} must match /${e.pattern}/${e.flags ?? ''}; got ${show(v)}`;
      };
    }
    case 'allowedValues': {
      const allowed = new Set<unknown>(e.values);
      return (r) => {
        const v = getPath(r, e.field);
        if (isAbsent(v) || allowed.has(v)) return undefined;
        return `${e.field} must be one of ${e.values.map(show).join(', ')}; got ${show(v)}`;
      };
    }
    case 'length':
      return (r) => {
        const v = getPath(r, e.field);
        if (isAbsent(v)) return undefined;
        const n = typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : undefined;
        if (n === undefined) return `${e.field} must be a string or an array for a length rule; got ${show(v)}`;
        if ((e.min !== undefined && n < e.min) || (e.max !== undefined && n > e.max)) {
          return `${e.field} must have length in [${e.min ?? 0}, ${e.max ?? '∞'}]; got ${n}`;
        }
        return undefined;
      };
    case 'maxAge': {
      const maxAgeMs = parseDuration(e.maxAge, `${at}.maxAge`);
      const maxFutureMs = e.maxFuture === undefined ? undefined : parseDuration(e.maxFuture, `${at}.maxFuture`);
      const field = e.field;
      return (r, eventTime, nowMs) => {
        let t = eventTime;
        if (field !== undefined) {
          const v = getPath(r, field);
          if (isAbsent(v)) return undefined;
          const parsed = timestampOf(v);
          if (parsed === undefined) return `${field} must be a timestamp (RFC 3339 or epoch ms); got ${show(v)}`;
          t = parsed;
        }
        const what = field ?? 'event time';
        if (nowMs - t > maxAgeMs) return `${what} must be at most ${maxAgeMs} ms old; it is ${nowMs - t} ms old`;
        if (maxFutureMs !== undefined && t - nowMs > maxFutureMs) {
          return `${what} must be at most ${maxFutureMs} ms in the future; it is ${t - nowMs} ms ahead`;
        }
        return undefined;
      };
    }
  }
}

/** A pipeline's expectations, compiled, with running per-rule counts. */
export class ExpectationSuite {
  private readonly rules: CompiledRule[];
  private readonly counts = new Map<string, RuleCounts>();

  constructor(expectations: readonly Expectation[]) {
    this.rules = expectations.map((e, i) => ({ id: e.id, severity: e.severity ?? 'error', check: compileRule(e, `expectations[${i}]`) }));
    for (const r of this.rules) this.counts.set(r.id, { passed: 0, failed: 0 });
  }

  static forPipeline(pipeline: AnyPipeline): ExpectationSuite {
    return new ExpectationSuite(pipeline.expectations);
  }

  /** Runs every rule on `record` (event time and processing time in epoch ms) and counts the outcomes. */
  evaluate(record: Record<string, unknown>, eventTime: number, nowMs: number): ExpectationResult {
    const out: ExpectationResult = { failed: [], warned: [] };
    for (const rule of this.rules) {
      const message = rule.check(record, eventTime, nowMs);
      const c = this.counts.get(rule.id)!;
      if (message === undefined) {
        c.passed++;
        continue;
      }
      c.failed++;
      (rule.severity === 'error' ? out.failed : out.warned).push({ id: rule.id, message });
    }
    return out;
  }

  /** Counts since the last `takeCounts` (rules with no traffic are left out), and resets them. */
  takeCounts(): Record<string, RuleCounts> {
    const out: Record<string, RuleCounts> = {};
    for (const [id, c] of this.counts) {
      if (c.passed + c.failed > 0) out[id] = { ...c };
      c.passed = 0;
      c.failed = 0;
    }
    return out;
  }
}
