/**
 * How many inputs a field combiner did not aggregate, and why. Like SQL aggregates, combiners skip
 * `null` and missing values; unlike a silent coercion, inputs of the wrong type are skipped *and
 * counted*, so a result built from partly bad data says so.
 */
export interface SkippedCounts {
  /** Inputs that were `null` or `undefined` (a missing field). SQL skips these too. */
  nulls: number;
  /** Inputs present but unusable: wrong type, `NaN`/`±Infinity`, or not a JSON value. */
  invalid: number;
}

/** Counts an input a field combiner skipped: `null`/`undefined` as a null, anything else as invalid. */
export function countSkipped(acc: SkippedCounts, x: unknown): void {
  if (x === null || x === undefined) acc.nulls++;
  else acc.invalid++;
}
