/**
 * Triggers decide; they do not hold state. A compiled trigger is a tree of stateless nodes; each
 * node owns a few slots of a flat `number[]` that lives in the window state the engine passes in
 * (so it is plain JSON, cheap to copy and to merge). Slot `base` of every node is its *finished*
 * bit (0/1); nodes that need more (a count, a deadline) own the slots after it, and children are
 * laid out after their parent.
 *
 * The methods mirror Beam's `TriggerStateMachine`: `onElement`, `onMerge`, `shouldFire`,
 * `onFire`, `clear`. Instead of setting timers, a node reports the next instant at which it could
 * become ready without new elements (`nextTimers`); the engine stores that per window and calls
 * back when the watermark or processing time reaches it.
 */

/** What a trigger may look at. All times are epoch ms and come from the caller. */
export interface TriggerContext {
  /** End of the window (exclusive). The watermark has passed the end of the window when `watermark ≥ windowEnd`. */
  windowEnd: number;
  /** The input watermark. */
  watermark: number;
  /** The current processing time. */
  processingTime: number;
  /** Whether the windows merge (sessions): composite triggers then feed every sub-trigger, as in Beam. */
  merging: boolean;
}

/** Next wake-ups, one per time domain; `Infinity` when there is none. */
export interface TriggerTimers {
  eventTime: number;
  processingTime: number;
}

export abstract class TriggerNode {
  /** Index of this node's finished bit in the state array. Assigned by {@link layoutTrigger}. */
  base = 0;
  /** Slots this node owns itself, including the finished bit. */
  readonly ownSlots: number;
  readonly children: readonly TriggerNode[];

  constructor(ownSlots: number, children: readonly TriggerNode[] = []) {
    this.ownSlots = ownSlots;
    this.children = children;
  }

  /** A short human-readable form, e.g. `Repeatedly(AfterCount(3))`. */
  abstract describe(): string;
  /** Whether this trigger can finish (Beam's `OnceTrigger` and composites of them). */
  abstract readonly canFinish: boolean;

  /** Called for `count` new elements (pre-combined) in the window; only while not finished. */
  abstract onElement(s: number[], ctx: TriggerContext, count: number): void;
  /** Whether the trigger is ready to fire now. */
  abstract shouldFire(s: number[], ctx: TriggerContext): boolean;
  /** Called when the window fires because this (sub)trigger said so. May set the finished bit. */
  abstract onFire(s: number[], ctx: TriggerContext): void;
  /**
   * Fills `target` (zeroed) for the window that `sources` (the merging windows' states, fresh
   * zeroed states for brand-new windows) merge into. `ctx.windowEnd` is the merged window's end.
   */
  abstract onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void;
  /** Lowers `out` to the next future instants at which this trigger could become ready. */
  abstract nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void;

  /** Resets this subtree's data (not the finished bits), like Beam's `clear`. */
  clear(s: number[]): void {
    for (let i = this.base + 1; i < this.base + this.ownSlots; i++) s[i] = 0;
    for (const c of this.children) c.clear(s);
  }

  isFinished(s: readonly number[]): boolean {
    return s[this.base] === 1;
  }

  setFinished(s: number[], finished: boolean): void {
    s[this.base] = finished ? 1 : 0;
  }

  /** Clears the finished bits of this subtree, and its data. */
  reset(s: number[]): void {
    for (let i = this.base; i < this.base + this.ownSlots; i++) s[i] = 0;
    for (const c of this.children) c.reset(s);
  }

  finishedInAny(sources: readonly number[][]): boolean {
    for (const src of sources) if (src[this.base] === 1) return true;
    return false;
  }

  finishedInAll(sources: readonly number[][]): boolean {
    for (const src of sources) if (src[this.base] !== 1) return false;
    return true;
  }

  /** Merges the children (the default for composites). */
  protected mergeChildren(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    for (const c of this.children) c.onMerge(target, sources, ctx);
  }
}

/** Assigns slot offsets depth-first; returns the number of slots the whole tree needs. */
export function layoutTrigger(root: TriggerNode, base = 0): number {
  root.base = base;
  let next = base + root.ownSlots;
  for (const c of root.children) next = layoutTrigger(c, next);
  return next;
}
