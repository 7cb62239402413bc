/**
 * CORE HOOK — the one place the definition is checked by the core's own factories.
 *
 * The definition's schema checks every spec's *shape* (kinds, required fields, duration syntax).
 * The *meaning* (sliding `period ≤ size`, `0 ≤ offset < size`, a measure set the combiner accepts)
 * belongs to `shared/core`, whose factories throw `SpecError` stating the rule. Once the engine is
 * merged, this function calls them, re-rooting each error's path under the aggregation:
 *
 * ```ts
 * import { parseDuration, windowFnFromSpec, triggerFromSpec, combinerFromMeasures } from '../core';
 * const reroot = (fn: () => unknown, sub: string) => {
 *   try { fn(); } catch (e) {
 *     if (e instanceof SpecError) throw new SpecError(e.path ? `${path}.${e.path}` : `${path}.${sub}`, messageOf(e));
 *     throw e;
 *   }
 * };
 * reroot(() => parseDuration(agg.allowedLateness, `${path}.allowedLateness`), 'allowedLateness');
 * reroot(() => windowFnFromSpec(agg.window), 'window');
 * reroot(() => triggerFromSpec(agg.trigger), 'trigger');
 * reroot(() => combinerFromMeasures(agg.measures), 'measures');
 * ```
 * (If the core's errors already carry full paths, drop the re-rooting.)
 */
import type { AggregationDefinition } from './types';

/** Semantic checks of one aggregation by the core's factories. Until the core is merged: none. */
export function checkWithCore(_aggregation: AggregationDefinition, _path: string): void {
  // Intentionally empty until shared/core's factories land; see the module comment.
}
