/**
 * Beam's CombineFn: four pure functions over a plain-JSON accumulator. Accumulators must
 * survive `JSON.parse(JSON.stringify(acc))` unchanged, because they live in Firestore between
 * invocations. `addInput` and `mergeAccumulators` may mutate and return their first argument
 * (the engine owns it); they must not mutate any other argument.
 */
export interface CombineFn<I, A, O> {
  createAccumulator(): A;
  addInput(accumulator: A, input: I): A;
  mergeAccumulators(accumulators: A[]): A;
  extractOutput(accumulator: A): O;
}
