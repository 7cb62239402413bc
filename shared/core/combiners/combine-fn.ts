/**
 * Beam's CombineFn: four pure functions over a plain-JSON accumulator. Accumulators must
 * survive `JSON.parse(JSON.stringify(acc))` unchanged, because they live in Firestore between
 * invocations: no `undefined`, no `NaN`/`Infinity`, no `-0`, no class instances, no `Map`.
 *
 * Ownership: `addInput` and `mergeAccumulators` may mutate and return their first argument (the
 * engine owns it) — that is what keeps the hot path allocation-free. They must not mutate any other
 * argument, and the engine must use the returned value. `mergeAccumulators([])` returns a fresh
 * empty accumulator. `extractOutput` never mutates.
 *
 * Law (property-tested for every built-in): for any split of the input into parts, in any order,
 * merging the parts' accumulators gives the same output as adding everything to one accumulator —
 * exactly for the exact combiners, and within the documented bound for the sketches.
 */
export interface CombineFn<I, A, O> {
  createAccumulator(): A;
  addInput(accumulator: A, input: I): A;
  mergeAccumulators(accumulators: A[]): A;
  extractOutput(accumulator: A): O;
}

/** The accumulator type of a `CombineFn`. */
export type AccumulatorOf<F> = F extends CombineFn<never, infer A, unknown> ? A : never;
/** The output type of a `CombineFn`. */
export type OutputOf<F> = F extends CombineFn<never, unknown, infer O> ? O : never;
