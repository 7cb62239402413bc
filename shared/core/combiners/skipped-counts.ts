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
