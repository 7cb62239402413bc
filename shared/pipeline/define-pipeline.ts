/**
 * `definePipeline`: the one entry point of a pipeline definition. It validates at load (so a broken
 * definition fails `import`, not the first event), fills the few defaults that carry no time
 * semantics, and returns a deeply frozen copy that the stages, the topology and the local stack
 * all read.
 */
import { validateDefinition } from './validate-definition';
import type { Pipeline, PipelineDefinition } from './types';

/** Every pipeline `definePipeline` returned (identity, so a hand-built look-alike is never taken for one). */
const validatedPipelines = new WeakSet<object>();

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

/**
 * Validates and freezes a pipeline definition.
 *
 * Defaults (none of them about time): `expectations`, `pii`, `enrichment`, `views` → `[]`,
 * `derivedFields` → `{}`, `schemaDrift` → `{unknownFields: 'keep', typeChanges: 'record'}`,
 * an expectation's `severity` → `'error'`. Allowed lateness, accumulation, partitions and the
 * watermark have no default.
 *
 * @throws SpecError naming the field path and the rule, e.g.
 *   `aggregations[1].allowedLateness: required — allowed lateness has no default; use '0s' for none`.
 */
export function definePipeline<R extends object = Record<string, unknown>>(definition: PipelineDefinition<R>): Pipeline<R> {
  validateDefinition(definition as unknown as PipelineDefinition);
  const { filter, transform, ...data } = definition;
  const copy = structuredClone(data) as Omit<PipelineDefinition<R>, 'filter' | 'transform'>;
  const pipeline = {
    ...copy,
    expectations: (copy.expectations ?? []).map((e) => ({ ...e, severity: e.severity ?? 'error' })),
    pii: copy.pii ?? [],
    enrichment: copy.enrichment ?? [],
    views: copy.views ?? [],
    derivedFields: copy.derivedFields ?? {},
    schemaDrift: copy.schemaDrift ?? { unknownFields: 'keep', typeChanges: 'record' },
    ...(filter ? { filter } : {}),
    ...(transform ? { transform } : {}),
  };
  deepFreeze(pipeline);
  validatedPipelines.add(pipeline);
  return pipeline as unknown as Pipeline<R>;
}

/** Whether a value came out of `definePipeline`. */
export function isPipeline(x: unknown): x is Pipeline {
  return typeof x === 'object' && x !== null && validatedPipelines.has(x);
}
