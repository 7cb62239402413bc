import { parseDuration } from '../duration';
import { SpecError } from '../errors';
import type { WindowSpec } from '../spec';
import { fixedWindows } from './fixed';
import { globalWindows } from './global';
import { sessionWindows } from './sessions';
import { slidingWindows } from './sliding';
import type { WindowFn } from './window-fn';

/**
 * Turns a {@link WindowSpec} into a validated window assigner.
 *
 * @param path where the spec sits in the definition, for error messages.
 * @throws SpecError stating the violated rule.
 */
export function windowFnFromSpec(spec: WindowSpec, path = 'window'): WindowFn {
  if (typeof spec !== 'object' || spec === null) {
    throw new SpecError(path, `a window is an object with kind 'fixed', 'sliding', 'sessions' or 'global'; got ${JSON.stringify(spec)}`);
  }
  switch (spec.kind) {
    case 'fixed':
      return fixedWindows(
        parseDuration(spec.size, `${path}.size`),
        spec.offset === undefined ? 0 : parseDuration(spec.offset, `${path}.offset`),
        path,
      );
    case 'sliding':
      return slidingWindows(
        parseDuration(spec.size, `${path}.size`),
        parseDuration(spec.period, `${path}.period`),
        spec.offset === undefined ? 0 : parseDuration(spec.offset, `${path}.offset`),
        path,
      );
    case 'sessions':
      return sessionWindows(parseDuration(spec.gap, `${path}.gap`), path);
    case 'global':
      return globalWindows();
    default:
      throw new SpecError(
        `${path}.kind`,
        `window kind must be 'fixed', 'sliding', 'sessions' or 'global'; got ${JSON.stringify((spec as { kind?: unknown }).kind)}`,
      );
  }
}
