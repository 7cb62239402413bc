import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topKFn, type TopKItem, type TopKOutput } from '../../../../shared/core/combiners';
import { addAll, addSplit, anyValue, expectJsonSafe, splitPlan } from './harness';

/** Exact frequencies of the accepted values, keyed by type and text. */
function frequencies(xs: readonly unknown[]): Map<string, { value: unknown; count: number }> {
  const m = new Map<string, { value: unknown; count: number }>();
  for (const x of xs) {
    if (!(typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)))) continue;
    const v = typeof x === 'number' ? x + 0 : x;
    const id = `${typeof v}:${String(v)}`;
    const e = m.get(id) ?? { value: v, count: 0 };
    e.count++;
    m.set(id, e);
  }
  return m;
}
const idOf = (item: TopKItem) => `${typeof item.value}:${String(item.value)}`;

/** Asserts the documented Misra-Gries guarantee of an output against exact frequencies. */
function expectGuarantee({ items, maxError }: TopKOutput, inputs: readonly unknown[], k: number, capacity: number): void {
  const freq = frequencies(inputs);
  const n = [...freq.values()].reduce((s, e) => s + e.count, 0);
  expect(items.length).toBeLessThanOrEqual(k);
  expect(maxError).toBeLessThanOrEqual(Math.floor(n / (capacity + 1)));
  for (const item of items) {
    const f = freq.get(idOf(item))?.count ?? 0;
    expect(item.count).toBeLessThanOrEqual(f);
    expect(f).toBeLessThanOrEqual(item.count + maxError);
  }
  // No value that is missing from the list can be more frequent than the guarantee allows.
  const reported = new Set(items.map(idOf));

  const floor = items.length === k ? (items[k - 1] as TopKItem).count : 0;
  for (const [id, e] of freq) if (!reported.has(id)) expect(e.count).toBeLessThanOrEqual(floor + maxError);
}

/** The exact top k by count descending, ties by the typed key (as documented). */
function exactTopK(inputs: readonly unknown[], k: number): TopKOutput {
  const tag = (v: unknown) => (typeof v === 'string' ? 's' + v : typeof v === 'number' ? 'n' + String(v) : 'b' + String(v));
  const items = [...frequencies(inputs).values()]
    .sort((a, b) => b.count - a.count || (tag(a.value) < tag(b.value) ? -1 : 1))
    .slice(0, k)
    .map((e) => ({ value: e.value, count: e.count }) as TopKItem);
  return { items, maxError: 0 };
}

describe('topK', () => {
  it.each<[string, unknown[], TopKItem[]]>([
    ['empty', [], []],
    ['one', ['a'], [{ value: 'a', count: 1 }]],
    [
      'many, ties by typed key',
      ['b', 'a', 'b', 1, 1, 'c', true],
      [
        { value: 1, count: 2 },
        { value: 'b', count: 2 },
      ],
    ],
    ['negative numbers and -0', [-1, -1, -0, 0], [{ value: -1, count: 2 }, { value: 0, count: 2 }]],
    ['nulls and invalid skipped', [null, undefined, { a: 1 }, Number.NaN, 'x'], [{ value: 'x', count: 1 }]],
  ])('%s', (_, inputs, expected) => {
    const fn = topKFn({ k: 2 });
    const acc = addAll(fn, inputs);
    expect(fn.extractOutput(acc)).toEqual({ items: expected, maxError: 0 });
    expectJsonSafe(acc);
  });

  it('counts nulls and invalid values', () => {
    const fn = topKFn({ k: 2 });
    const acc = addAll(fn, [null, undefined, { a: 1 }, Number.NaN, 'x']);
    expect({ nulls: acc.nulls, invalid: acc.invalid, n: acc.n }).toEqual({ nulls: 2, invalid: 2, n: 1 });
  });

  it('finds the heavy hitters of a skewed stream within the stated error', () => {
    // capacity 100: maxError ≤ 20,000/101 = 198, below 'mild' (≈ 509) minus any cold value's count.
    const fn = topKFn({ k: 3, capacity: 100 });
    const inputs = Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? 'hot' : i % 13 === 0 ? 'warm' : i % 29 === 0 ? 'mild' : `cold-${i}`));
    const output = fn.extractOutput(addAll(fn, inputs));
    expect(output.items.map((i) => i.value)).toEqual(['hot', 'warm', 'mild']);
    expect(output.maxError).toBeGreaterThan(0);
    expectGuarantee(output, inputs, 3, 100);
  });

  it('is exact, whatever the split, while distinct values fit in the capacity', () => {
    const fn = topKFn({ k: 3, capacity: 12 });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constantFrom('a', 'b', 'c', true), anyValue.filter((x) => typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')), { maxLength: 100 }), splitPlan, (inputs, plan) => {
        const acc = addSplit(fn, inputs, plan);
        expect(fn.extractOutput(acc)).toEqual(exactTopK(inputs, 3));
        expectJsonSafe(acc);
      }),
    );
  });

  it('keeps the Misra-Gries guarantee in any split and order when values overflow the capacity', () => {
    const k = 2;
    const capacity = 4;
    const fn = topKFn({ k, capacity });
    const skewed = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: anyValue });
    fc.assert(
      fc.property(fc.array(skewed, { maxLength: 150 }), splitPlan, (inputs, plan) => {
        expectGuarantee(fn.extractOutput(addSplit(fn, inputs, plan)), inputs, k, capacity);
      }),
    );
  });

  it.each([
    [{ k: 0 }, /k must be a whole number in 1\.\.1000;/],
    [{ k: 1001 }, /k must be a whole number in 1\.\.1000;/],
    [{ k: 1.5 }, /k must be a whole number/],
    [{ k: 3, capacity: 2 }, /capacity must be a whole number ≥ k/],
  ])('rejects %j', (options, message) => {
    expect(() => topKFn(options)).toThrow(message);
  });
});
