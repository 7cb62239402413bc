export type { FixedWindowFn, GlobalWindowFn, SessionWindowFn, SlidingWindowFn, WindowFn, WindowFnBase, WindowKind } from './window-fn';
export { fixedWindows, fixedWindowStart } from './fixed';
export { slidingWindows, lastSlidingStart } from './sliding';
export { sessionWindows, mergeOverlapping, type MergeGroup } from './sessions';
export { globalWindows, GLOBAL_WINDOW } from './global';
export { windowFnFromSpec } from './from-spec';
