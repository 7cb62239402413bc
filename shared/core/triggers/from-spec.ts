import { parseDuration } from '../duration';
import { SpecError } from '../errors';
import type { TriggerSpec } from '../spec';
import { AfterAllTrigger } from './after-all';
import { AfterCountTrigger } from './after-count';
import { AfterEachTrigger } from './after-each';
import { AfterFirstTrigger } from './after-first';
import { AfterProcessingTimeTrigger } from './after-processing-time';
import { AfterWatermarkEarlyLateTrigger, AfterWatermarkTrigger } from './after-watermark';
import { DefaultTrigger } from './default';
import { NeverTrigger } from './never';
import { OrFinallyTrigger } from './or-finally';
import { RepeatedlyTrigger } from './repeatedly';
import { Trigger } from './trigger';
import type { TriggerNode } from './trigger-node';

const KINDS = "'default', 'afterWatermark', 'afterCount', 'afterProcessingTime', 'repeatedly', 'afterEach', 'afterFirst', 'afterAny', 'afterAll', 'orFinally', 'never'";

/**
 * Compiles a {@link TriggerSpec} into a {@link Trigger}.
 *
 * @param path where the spec sits in the definition, for error messages.
 * @throws SpecError stating the violated rule.
 */
export function triggerFromSpec(spec: TriggerSpec, path = 'trigger'): Trigger {
  return new Trigger(nodeFromSpec(spec, path));
}

function nodeFromSpec(spec: TriggerSpec, path: string): TriggerNode {
  if (typeof spec !== 'object' || spec === null) {
    throw new SpecError(path, `a trigger is an object with kind ${KINDS}; got ${JSON.stringify(spec)}`);
  }
  switch (spec.kind) {
    case 'default':
      return new DefaultTrigger();
    case 'never':
      return new NeverTrigger();
    case 'afterWatermark': {
      if (spec.early === undefined && spec.late === undefined) return new AfterWatermarkTrigger();
      const early = spec.early === undefined ? new NeverTrigger() : nodeFromSpec(spec.early, `${path}.early`);
      const late = spec.late === undefined ? null : nodeFromSpec(spec.late, `${path}.late`);
      return new AfterWatermarkEarlyLateTrigger(early, late);
    }
    case 'afterCount':
      if (!Number.isSafeInteger(spec.count) || spec.count < 1) {
        throw new SpecError(`${path}.count`, `afterCount needs a whole number count ≥ 1; got ${JSON.stringify(spec.count)}`);
      }
      return new AfterCountTrigger(spec.count);
    case 'afterProcessingTime': {
      const delayMs = parseDuration(spec.delay, `${path}.delay`);
      const alignToMs = spec.alignTo === undefined ? 0 : parseDuration(spec.alignTo, `${path}.alignTo`);
      if (spec.alignTo !== undefined && alignToMs <= 0) {
        throw new SpecError(`${path}.alignTo`, `alignTo must be > 0 (or omitted); got ${JSON.stringify(spec.alignTo)}`);
      }
      if (spec.alignOffset !== undefined && spec.alignTo === undefined) {
        throw new SpecError(`${path}.alignOffset`, 'alignOffset needs alignTo; add alignTo or remove alignOffset');
      }
      const alignOffsetMs = spec.alignOffset === undefined ? 0 : parseDuration(spec.alignOffset, `${path}.alignOffset`);
      if (alignToMs > 0 && alignOffsetMs >= alignToMs) {
        throw new SpecError(`${path}.alignOffset`, `alignOffset must satisfy 0 ≤ alignOffset < alignTo (${alignToMs} ms); got ${alignOffsetMs}`);
      }
      return new AfterProcessingTimeTrigger(delayMs, alignToMs, alignOffsetMs);
    }
    case 'repeatedly':
      return new RepeatedlyTrigger(nodeFromSpec(spec.trigger, `${path}.trigger`));
    case 'afterEach':
    case 'afterFirst':
    case 'afterAny':
    case 'afterAll': {
      if (!Array.isArray(spec.triggers) || spec.triggers.length === 0) {
        throw new SpecError(`${path}.triggers`, `${spec.kind} needs a non-empty array of triggers; got ${JSON.stringify(spec.triggers)}`);
      }
      const subs = spec.triggers.map((t, i) => nodeFromSpec(t, `${path}.triggers[${i}]`));
      if (spec.kind === 'afterEach') return new AfterEachTrigger(subs);
      if (spec.kind === 'afterAll') return new AfterAllTrigger(subs);
      return new AfterFirstTrigger(subs);
    }
    case 'orFinally': {
      const main = nodeFromSpec(spec.main, `${path}.main`);
      const until = nodeFromSpec(spec.until, `${path}.until`);
      if (!until.canFinish) {
        throw new SpecError(
          `${path}.until`,
          `orFinally.until must be a trigger that finishes (afterCount, afterProcessingTime, afterWatermark without firings, never, or afterFirst/afterAll/afterEach of those); got ${until.describe()}`,
        );
      }
      return new OrFinallyTrigger(main, until);
    }
    default:
      throw new SpecError(`${path}.kind`, `trigger kind must be one of ${KINDS}; got ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}
