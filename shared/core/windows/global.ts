import { END_OF_TIME, MIN_TIMESTAMP, type Window } from '../time';
import type { GlobalWindowFn } from './window-fn';

/**
 * The single global window `[MIN_TIMESTAMP, END_OF_TIME)`. Its end is only reached by the final
 * watermark of a bounded input (`+∞`), which is when the default trigger fires it.
 */
export const GLOBAL_WINDOW: Window = Object.freeze({ start: MIN_TIMESTAMP, end: END_OF_TIME });

export function globalWindows(): GlobalWindowFn {
  return {
    kind: 'global',
    merging: false,
    assignWindows(): Window[] {
      return [{ start: GLOBAL_WINDOW.start, end: GLOBAL_WINDOW.end }];
    },
  };
}
