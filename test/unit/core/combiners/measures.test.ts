import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../../shared/core/errors';
import type { MeasureSpec } from '../../../../shared/core/spec';
import { approxDistinctStandardError, combinerFromMeasures, type MeasureInput, type TopKOutput } from '../../../../shared/core/combiners';
import { addAll, addSplit, expectJsonSafe, isFiniteNumber, isNullish, splitPlan } from './harness';

describe('validateMeasures via combinerFromMeasures', () => {
  const count = { name: 'n', kind: 'count' };
  it.each<[string, unknown, string, RegExp]>([
    ['no measures', [], 'measures', /at least one measure/],
    ['not an array', 'count', 'measures', /at least one measure/],
    ['not an object', [7], 'measures[0]', /must be an object/],
    ['bad name', [{ name: 'p95-latency', kind: 'count' }], 'measures[0].name', /column name/],
    ['duplicate name', [count, { name: 'n', kind: 'sum', field: 'x' }], 'measures[1].name', /unique; 'n' is also measures\[0\]/],
    ['unknown kind', [{ name: 'a', kind: 'median', field: 'x' }], 'measures[0].kind', /one of count, sum/],
    ['count with a field', [{ name: 'a', kind: 'count', field: 'x' }], 'measures[0].field', /takes no field/],
    ['missing field', [{ name: 'a', kind: 'sum' }], 'measures[0].field', /non-empty dotted path/],
    ['empty path segment', [{ name: 'a', kind: 'max', field: 'a..b' }], 'measures[0].field', /segments must be non-empty/],
    ['reserved segment', [{ name: 'a', kind: 'max', field: 'x.__proto__' }], 'measures[0].field', /reserved/],
    ['precision too low', [{ name: 'a', kind: 'approxDistinct', field: 'x', precision: 3 }], 'measures[0].precision', /4\.\.16/],
    ['precision too high', [{ name: 'a', kind: 'approxDistinct', field: 'x', precision: 17 }], 'measures[0].precision', /4\.\.16/],
    ['precision not whole', [{ name: 'a', kind: 'approxDistinct', field: 'x', precision: 12.5 }], 'measures[0].precision', /whole number/],
    ['no quantiles', [{ name: 'a', kind: 'approxQuantiles', field: 'x', quantiles: [] }], 'measures[0].quantiles', /non-empty array/],
    ['quantile above 1', [{ name: 'a', kind: 'approxQuantiles', field: 'x', quantiles: [0.5, 1.2] }], 'measures[0].quantiles[1]', /in \[0, 1\]/],
    ['quantile below 0', [{ name: 'a', kind: 'approxQuantiles', field: 'x', quantiles: [-0.1] }], 'measures[0].quantiles[0]', /in \[0, 1\]/],
    ['accuracy 0', [{ name: 'a', kind: 'approxQuantiles', field: 'x', quantiles: [0.5], accuracy: 0 }], 'measures[0].accuracy', /\[0\.0001, 0\.5\]/],
    ['k below 1', [{ name: 'a', kind: 'topK', field: 'x', k: 0 }], 'measures[0].k', /1\.\.1000;/],
    ['k above 1000', [{ name: 'a', kind: 'topK', field: 'x', k: 1001 }], 'measures[0].k', /1\.\.1000;/],
    ['k not whole', [{ name: 'a', kind: 'topK', field: 'x', k: 2.5 }], 'measures[0].k', /whole number/],
  ])('%s: %j → SpecError at %s', (_, measures, path, message) => {
    let error: unknown;
    try {
      combinerFromMeasures(measures as MeasureSpec[]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).path).toBe(path);
    expect((error as SpecError).message).toMatch(message);
  });

  it('prefixes error paths with the caller path', () => {
    expect(() => combinerFromMeasures([{ name: 'a', kind: 'topK', field: 'x', k: 0 }], 'aggregations[2].measures')).toThrow(
      expect.objectContaining({ path: 'aggregations[2].measures[0].k' }),
    );
  });
});

/** Every kind of measure, over a record with nested and sometimes bad fields. */
const MEASURES: MeasureSpec[] = [
  { name: 'events', kind: 'count' },
  { name: 'total', kind: 'sum', field: 'amount' },
  { name: 'average', kind: 'mean', field: 'amount' },
  { name: 'smallest', kind: 'min', field: 'order.total' },
  { name: 'largest', kind: 'max', field: 'order.total' },
  { name: 'last_status', kind: 'latest', field: 'status' },
  { name: 'users', kind: 'approxDistinct', field: 'user', precision: 8 },
  { name: 'amount_pcts', kind: 'approxQuantiles', field: 'amount', quantiles: [0, 0.5, 0.9, 1], accuracy: 0.02 },
  { name: 'top_status', kind: 'topK', field: 'status', k: 2 },
];

const fieldValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant('12') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const record = fc.record(
  {
    amount: fieldValue,
    order: fc.oneof(fc.record({ total: fieldValue }, { requiredKeys: [] }), fc.constant(null), fc.constant('n/a')),
    status: fc.oneof(fc.constantFrom('new', 'paid', 'shipped', 'lost'), fc.constant(null)),
    user: fc.oneof(fc.integer({ min: 0, max: 60 }).map((i) => `u${i}`), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const element: fc.Arbitrary<MeasureInput> = fc.record({ value: record as fc.Arbitrary<Record<string, unknown>>, timestamp: fc.integer({ min: 0, max: 20 }) });

const get = (r: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), r);

/** Naive reference for the exact measures, straight from the elements. */
function reference(elements: MeasureInput[]) {
  const amounts = elements.map((e) => get(e.value, 'amount')).filter(isFiniteNumber);
  const totals = elements.map((e) => get(e.value, 'order.total')).filter(isFiniteNumber);
  const statuses = elements.filter((e) => typeof get(e.value, 'status') === 'string');
  const last = [...statuses].sort((a, b) => a.timestamp - b.timestamp || (JSON.stringify(get(a.value, 'status')) < JSON.stringify(get(b.value, 'status')) ? -1 : 1)).pop();
  const counts = new Map<string, number>();
  for (const e of statuses) counts.set(get(e.value, 'status') as string, (counts.get(get(e.value, 'status') as string) ?? 0) + 1);
  const top: TopKOutput = {
    items: [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, 2).map(([value, count]) => ({ value, count })),
    maxError: 0,
  };
  const sum = amounts.reduce((s, x) => s + x, 0);
  const skip = (path: string, ok: (x: unknown) => boolean) => {
    const xs = elements.map((e) => get(e.value, path));
    return { nulls: xs.filter(isNullish).length, invalid: xs.filter((x) => !isNullish(x) && !ok(x)).length };
  };
  return {
    exact: {
      events: elements.length,
      total: amounts.length ? sum : null,
      average: amounts.length ? sum / amounts.length : null,
      smallest: totals.length ? Math.min(...totals) : null,
      largest: totals.length ? Math.max(...totals) : null,
      last_status: last === undefined ? null : get(last.value, 'status'),
      top_status: top,
    },
    distinctUsers: new Set(elements.map((e) => get(e.value, 'user')).filter((u) => typeof u === 'string')).size,
    amounts: amounts.sort((a, b) => a - b),
    skipped: {
      total: skip('amount', isFiniteNumber),
      average: skip('amount', isFiniteNumber),
      smallest: skip('order.total', isFiniteNumber),
      largest: skip('order.total', isFiniteNumber),
      last_status: skip('status', (x) => typeof x === 'string'),
      users: skip('user', (x) => typeof x === 'string'),
      amount_pcts: skip('amount', isFiniteNumber),
      top_status: skip('status', (x) => typeof x === 'string'),
    },
  };
}

describe('combinerFromMeasures', () => {
  const fn = combinerFromMeasures(MEASURES);

  it('outputs one entry per measure, in spec order, with SQL-like empties', () => {
    const out = fn.extractOutput(fn.createAccumulator());
    expect(Object.keys(out)).toEqual(MEASURES.map((m) => m.name));
    expect(out).toEqual({
      events: 0,
      total: null,
      average: null,
      smallest: null,
      largest: null,
      last_status: null,
      users: 0,
      amount_pcts: null,
      top_status: { items: [], maxError: 0 },
    });
    expect(fn.names).toEqual(MEASURES.map((m) => m.name));
  });

  it('computes every measure on a small table', () => {
    const elements: MeasureInput[] = [
      { value: { amount: 10, order: { total: 5 }, status: 'new', user: 'a' }, timestamp: 1 },
      { value: { amount: -4, order: { total: 7 }, status: 'paid', user: 'b' }, timestamp: 3 },
      { value: { amount: null, order: null, status: 'paid', user: 'a' }, timestamp: 2 },
      { value: { amount: '12', status: null }, timestamp: 9 },
    ];
    const acc = addAll(fn, elements);
    const out = fn.extractOutput(acc);
    expect(out).toMatchObject({ events: 4, total: 6, average: 3, smallest: 5, largest: 7, last_status: 'paid', users: 2 });
    // Ranks ⌊q·(n−1)⌋ of [-4, 10]: 0, 0, 0, 1 — estimates within 2 % of -4, then the exact maximum.
    expect(out.amount_pcts).toEqual([-4, expect.closeTo(-4, 0), expect.closeTo(-4, 0), 10]);
    expect(out.top_status).toEqual({ items: [{ value: 'paid', count: 2 }, { value: 'new', count: 1 }], maxError: 0 });
    expect(fn.skipped(acc)).toMatchObject({ total: { nulls: 1, invalid: 1 }, smallest: { nulls: 2, invalid: 0 }, last_status: { nulls: 1, invalid: 0 } });
  });

  it('keeps one state for sum and mean of the same field', () => {
    const f = combinerFromMeasures([
      { name: 's', kind: 'sum', field: 'x' },
      { name: 'n', kind: 'count' },
      { name: 'm', kind: 'mean', field: 'x' },
      { name: 's2', kind: 'sum', field: 'y' },
    ]);
    const acc = addAll(f, [{ value: { x: 1, y: 2 }, timestamp: 0 }, { value: { x: 3, y: 'no' }, timestamp: 0 }]);
    expect(acc).toHaveLength(3);
    expect(f.extractOutput(acc)).toEqual({ s: 4, n: 2, m: 2, s2: 2 });
    expect(f.skipped(acc)).toEqual({ s: { nulls: 0, invalid: 0 }, m: { nulls: 0, invalid: 0 }, s2: { nulls: 0, invalid: 1 } });
  });

  it('reads deep paths and treats a path through a non-object as missing', () => {
    const f = combinerFromMeasures([{ name: 'd', kind: 'sum', field: 'a.b.c.d' }]);
    const acc = addAll(f, [
      { value: { a: { b: { c: { d: 2 } } } }, timestamp: 0 },
      { value: { a: { b: 'x' } }, timestamp: 0 },
      { value: { a: [{ c: { d: 5 } }] }, timestamp: 0 },
    ]);
    expect(f.extractOutput(acc)).toEqual({ d: 2 });
    expect(f.skipped(acc)).toEqual({ d: { nulls: 3 - 1, invalid: 0 } });
  });

  it('merges in any split and order to the naive reference, for every measure', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 80 }), splitPlan, (elements, plan) => {
        const whole = addAll(fn, elements);
        const acc = addSplit(fn, elements, plan);
        expectJsonSafe(acc);
        const out = fn.extractOutput(acc);
        const ref = reference(elements);
        expect(out).toMatchObject(ref.exact);
        // Sketches: identical to the single-accumulator result, and within their bounds of the truth.
        expect(out.users).toBe(fn.extractOutput(whole).users);
        expect(out.amount_pcts).toEqual(fn.extractOutput(whole).amount_pcts);
        expect(Math.abs((out.users as number) - ref.distinctUsers)).toBeLessThanOrEqual(5 * approxDistinctStandardError(8) * ref.distinctUsers + 1);
        if (ref.amounts.length === 0) expect(out.amount_pcts).toBeNull();
        else {
          [0, 0.5, 0.9, 1].forEach((q, i) => {
            const exact = ref.amounts[Math.floor(q * (ref.amounts.length - 1))] as number;
            expect(Math.abs((out.amount_pcts as number[])[i]! - exact)).toBeLessThanOrEqual(0.02 * Math.abs(exact) * (1 + 1e-9));
          });
        }
        expect(fn.skipped(acc)).toEqual(ref.skipped);
      }),
    );
  });
});
