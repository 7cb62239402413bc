/**
 * A value with its event time (epoch ms), as Beam's `TimestampedValue`. Combiners that depend on
 * event time (`latest`) and the composed measure combiner take this as their input, so the engine
 * can pass its own element objects as they are (any object with `value` and `timestamp`) without
 * allocating a wrapper per element.
 */
export interface TimestampedValue<T> {
  readonly value: T;
  /** Event time, epoch milliseconds. */
  readonly timestamp: number;
}
