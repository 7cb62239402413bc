import type { CombineFn } from './combine-fn';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCombineFn = CombineFn<any, any, any>;
type InputOf<F> = F extends CombineFn<infer I, infer _A, infer _O> ? I : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The output of `composeCombiners(fns)`: each combiner's output under its name. */
export type ComposedOutput<C extends Record<string, AnyCombineFn>> = {
  [K in keyof C]: C[K] extends CombineFn<infer _I, infer _A, infer O> ? O : never;
};

/**
 * The accumulator of a composed combiner: an array of the parts' states (not an object keyed by
 * name, so the hot path indexes instead of hashing). Plain JSON. `composeCombiners` keeps one state
 * per part in the order of `names`; `combinerFromMeasures` keeps one per distinct (state, field).
 */
export type ComposedAccumulator = unknown[];

/** A composed combiner, plus the names of its outputs in order. */
export interface ComposedCombineFn<I, O> extends CombineFn<I, ComposedAccumulator, O> {
  /** The output's keys, in declaration order. */
  readonly names: readonly string[];
}

/**
 * Runs several combiners side by side over the same input, as one combiner whose output has each
 * part's output under its name (Beam's `CombineFns.compose`). Every part sees every input.
 */
export function composeCombiners<C extends Record<string, AnyCombineFn>>(
  fns: C,
): ComposedCombineFn<UnionToIntersection<InputOf<C[keyof C]>>, ComposedOutput<C>> {
  const names = Object.keys(fns);
  const parts = names.map((name) => fns[name] as AnyCombineFn);
  return composeParts(names, parts) as ComposedCombineFn<UnionToIntersection<InputOf<C[keyof C]>>, ComposedOutput<C>>;
}

/** A fresh tuple accumulator: one slot per part, each part's own accumulator. */
export function createTupleAccumulator(parts: readonly CombineFn<never, unknown, unknown>[]): unknown[] {
  const acc = new Array<unknown>(parts.length);
  for (let i = 0; i < parts.length; i++) acc[i] = (parts[i] as CombineFn<never, unknown, unknown>).createAccumulator();
  return acc;
}

/** Merges tuple accumulators slot by slot with each part's own merge, into the first (or a fresh one when there are none). */
export function mergeTupleAccumulators(parts: readonly CombineFn<never, unknown, unknown>[], accs: readonly unknown[][]): unknown[] {
  const first = accs[0];
  if (first === undefined) return createTupleAccumulator(parts);
  const column = new Array<unknown>(accs.length);
  for (let i = 0; i < parts.length; i++) {
    for (let j = 0; j < accs.length; j++) column[j] = (accs[j] as unknown[])[i];
    first[i] = (parts[i] as CombineFn<never, unknown, unknown>).mergeAccumulators(column);
  }
  return first;
}

/** `composeCombiners` over parallel arrays; the engine of `combinerFromMeasures` too. */
export function composeParts<I>(
  names: readonly string[],
  parts: readonly CombineFn<I, unknown, unknown>[],
): ComposedCombineFn<I, Record<string, unknown>> {
  const n = parts.length;
  const createAccumulator = (): ComposedAccumulator => createTupleAccumulator(parts);
  return {
    names,
    createAccumulator,
    addInput(acc, input) {
      for (let i = 0; i < n; i++) acc[i] = (parts[i] as CombineFn<I, unknown, unknown>).addInput(acc[i], input);
      return acc;
    },
    mergeAccumulators: (accs) => mergeTupleAccumulators(parts, accs),
    extractOutput(acc) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[names[i] as string] = (parts[i] as CombineFn<I, unknown, unknown>).extractOutput(acc[i]);
      return out;
    },
  };
}
