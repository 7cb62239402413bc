/**
 * Shared test harness for combiners: fold inputs into one accumulator, or split them into parts,
 * build each part's accumulator (optionally round-tripping it through JSON after every add, as
 * Firestore would), shuffle the parts and merge them in a random tree — checking on the way that a
 * merge never mutates any accumulator but its first.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { CombineFn } from '../../../../shared/core/combiners';

export const jsonRoundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

export function addAll<I, A, O>(fn: CombineFn<I, A, O>, inputs: readonly I[], roundTrip = false): A {
  let acc = fn.createAccumulator();
  for (const x of inputs) {
    acc = fn.addInput(acc, x);
    if (roundTrip) acc = jsonRoundTrip(acc);
  }
  return acc;
}

/** How to split and merge: cut positions, a shuffle seed, merge picks, and whether to round-trip. */
export interface SplitPlan {
  cuts: number[];
  shuffleSeed: number;
  picks: number[];
  roundTrip: boolean;
}

export const splitPlan: fc.Arbitrary<SplitPlan> = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  shuffleSeed: fc.nat(),
  picks: fc.array(fc.nat(), { maxLength: 12 }),
  roundTrip: fc.boolean(),
});

/** A tiny deterministic PRNG for shuffles, so a failing case replays exactly. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Splits `inputs` by `plan`, accumulates each part, merges all parts in a shuffled random tree. */
export function addSplit<I, A, O>(fn: CombineFn<I, A, O>, inputs: readonly I[], plan: SplitPlan): A {
  const cuts = [...new Set(plan.cuts.map((c) => c % (inputs.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...cuts, inputs.length];
  let accs: A[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) accs.push(addAll(fn, inputs.slice(bounds[i], bounds[i + 1]), plan.roundTrip));
  const next = lcg(plan.shuffleSeed);
  for (let i = accs.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [accs[i], accs[j]] = [accs[j] as A, accs[i] as A];
  }
  let p = 0;
  while (accs.length > 1) {
    const pick = plan.picks[p++ % Math.max(1, plan.picks.length)] ?? 0;
    if (pick % 4 === 0) {
      accs = [mergeChecked(fn, accs, plan.roundTrip)];
    } else {
      const i = pick % (accs.length - 1);
      accs.splice(i, 2, mergeChecked(fn, [accs[i] as A, accs[i + 1] as A], plan.roundTrip));
    }
  }
  return accs[0] ?? fn.mergeAccumulators([]);
}

function mergeChecked<I, A, O>(fn: CombineFn<I, A, O>, accs: A[], roundTrip: boolean): A {
  const before = accs.slice(1).map((a) => JSON.stringify(a));
  const merged = fn.mergeAccumulators(accs);
  expect(accs.slice(1).map((a) => JSON.stringify(a))).toEqual(before);
  return roundTrip ? jsonRoundTrip(merged) : merged;
}

/** Asserts that an accumulator survives JSON unchanged (deep equality, no lost -0/undefined/NaN). */
export function expectJsonSafe(acc: unknown): void {
  expect(jsonRoundTrip(acc)).toStrictEqual(acc);
}

/** Any field value: numbers of all kinds, nulls, missing, wrong types. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
  { weight: 3, arbitrary: fc.double({ noDefaultInfinity: false }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, [1], { a: 1 }) },
);

export const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const isNullish = (x: unknown): boolean => x === null || x === undefined;
