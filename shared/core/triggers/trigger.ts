import { layoutTrigger, type TriggerContext, type TriggerNode, type TriggerTimers } from './trigger-node';

/**
 * A compiled trigger: the root of a stateless node tree plus the size of the flat state array each
 * window carries for it. All methods are pure functions of `(state, context)` except that they
 * update `state` in place (the caller owns it).
 */
export class Trigger {
  readonly root: TriggerNode;
  /** Length of the per-window state array. */
  readonly slots: number;

  constructor(root: TriggerNode) {
    this.root = root;
    this.slots = layoutTrigger(root);
  }

  /** A fresh (all-zero) state for a new window. */
  newState(): number[] {
    return new Array<number>(this.slots).fill(0);
  }

  /** Whether the trigger has finished: the window is closed and accepts no more data. */
  isFinished(state: readonly number[]): boolean {
    return this.root.isFinished(state);
  }

  onElement(state: number[], ctx: TriggerContext, count: number): void {
    if (!this.root.isFinished(state)) this.root.onElement(state, ctx, count);
  }

  shouldFire(state: number[], ctx: TriggerContext): boolean {
    return !this.root.isFinished(state) && this.root.shouldFire(state, ctx);
  }

  /** Records a firing; returns whether the trigger is now finished. */
  onFire(state: number[], ctx: TriggerContext): boolean {
    this.root.onFire(state, ctx);
    return this.root.isFinished(state);
  }

  /** The state of the window that windows with `sources` states merge into. */
  onMerge(sources: readonly number[][], ctx: TriggerContext): number[] {
    const target = this.newState();
    this.root.onMerge(target, sources, ctx);
    return target;
  }

  /** The next future wake-ups (`Infinity` = none) for a window in `state`. */
  nextTimers(state: number[], ctx: TriggerContext): TriggerTimers {
    const out = { eventTime: Number.POSITIVE_INFINITY, processingTime: Number.POSITIVE_INFINITY };
    if (!this.root.isFinished(state)) this.root.nextTimers(state, ctx, out);
    return out;
  }

  describe(): string {
    return this.root.describe();
  }
}
