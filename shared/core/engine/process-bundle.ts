/**
 * The engine: a pure state machine over one partition (many keys) of one aggregation.
 *
 * One call = one bundle (possibly empty, an *advance*):
 *  1. Elements are judged against the watermark already in the state (the one the previous call
 *     established): those whose window expired (`watermark > maxTimestamp + allowedLateness`) or
 *     whose window's trigger has finished become late records. The rest are pre-combined per
 *     (key, window) — one accumulator per group, no trigger work per element — then applied to the
 *     windows (merging sessions), each touched window's trigger sees the group's element count,
 *     and is asked whether to fire. This is Beam's ReduceFnRunner order: a bundle's elements
 *     first, then one trigger evaluation per touched window.
 *  2. The watermark and processing time advance (regressions are ignored); windows whose timers
 *     are due are evaluated; windows past `maxTimestamp + allowedLateness` fire their final pane
 *     (if it has data or would be the ON_TIME pane) and are garbage-collected.
 *
 * The state passed in is updated in place and returned (copy it first if you need the old one);
 * it stays plain JSON. Deterministic: the same state and input give the same output.
 */
import { paneId, Timing, type Pane, type PaneTiming } from '../pane';
import { Accumulation } from '../spec';
import { clampTime, END_OF_TIME, floorMod, isValidTimestamp, MIN_TIMESTAMP } from '../time';
import type { TriggerContext } from '../triggers';
import type { CompiledAggregation } from './compile';
import type {
  BundleInput,
  BundleResult,
  CollectedWindow,
  Element,
  KeyState,
  LateReason,
  LateRecord,
  PartitionState,
  PartitionTimers,
  WindowState,
} from './types';

/** The state of a partition that has seen nothing yet. */
export function initialPartitionState<A = unknown>(): PartitionState<A> {
  return { v: 1, watermark: MIN_TIMESTAMP, processingTime: MIN_TIMESTAMP, keys: [], timers: { eventTime: null, processingTime: null } };
}

/** A pre-combined group: the elements of one bundle for one (key, window). */
interface Group<A> {
  start: number;
  end: number;
  acc: A;
  n: number;
  /**
   * The open window this group adds to in place, when the key already had it: the group then
   * works directly on the window's accumulator (no extra accumulator, no merge) — what makes
   * sparse streaming bundles (about one element per window) cheap.
   */
  w?: WindowState<A> | null;
}

/** Pre-combine groups of one key, by window ordinal. */
interface KeyGroups<A> {
  key: string;
  byOrd: Map<number, Group<A>>;
  list: Group<A>[];
  /** Cache: the ordinal of the last element's latest window and its group(s). */
  lastOrd: number;
  lastGroups: Group<A>[] | null;
  /** Cache for one-window-per-element assigners: the last element's group. */
  last: Group<A> | null;
  /** The key's state before this bundle (aligned windows only), and its windows by start when many. */
  ks?: KeyState<A> | null;
  byStart?: Map<number, WindowState<A>> | null;
}

const TIMING_CODE: Record<PaneTiming, number> = { EARLY: 1, ON_TIME: 2, LATE: 3 };

/**
 * Applies one bundle (and/or a watermark / processing-time advance) to a partition's state.
 *
 * @throws RangeError when an element's timestamp is not a whole number in `[MIN_TIMESTAMP, END_OF_TIME)`
 *   or the watermark / processing time is not a number (callers validate event times at ingest).
 */
export function processBundle<I, A, O>(
  agg: CompiledAggregation<I, A, O>,
  state: PartitionState<A>,
  input: BundleInput<I>,
): BundleResult<A, O, I> {
  if (typeof input.watermark !== 'number' || Number.isNaN(input.watermark)) {
    throw new RangeError(`watermark must be a number of epoch ms (Infinity for the end of input); got ${String(input.watermark)}`);
  }
  if (typeof input.processingTime !== 'number' || Number.isNaN(input.processingTime)) {
    throw new RangeError(`processingTime must be a number of epoch ms; got ${String(input.processingTime)}`);
  }
  return new BundleRun(agg, state, input).run();
}

class BundleRun<I, A, O> {
  private readonly fn;
  private readonly trigger;
  private readonly discarding: boolean;
  private readonly latenessMs: number;
  private readonly merging: boolean;
  private readonly oldWatermark: number;
  private readonly newWatermark: number;
  private readonly processingTime: number;
  /** The watermark triggers currently see: the old one in phase 1, the new one in phase 2. */
  private watermark: number;
  private readonly ctx: TriggerContext;
  private readonly index = new Map<string, KeyState<A>>();
  readonly panes: Pane<O>[] = [];
  readonly late: LateRecord<I>[] = [];
  readonly collected: CollectedWindow[] = [];

  constructor(
    private readonly agg: CompiledAggregation<I, A, O>,
    private readonly state: PartitionState<A>,
    private readonly input: BundleInput<I>,
  ) {
    this.fn = agg.combineFn;
    this.trigger = agg.trigger;
    this.discarding = agg.accumulation === Accumulation.DISCARDING;
    this.latenessMs = agg.allowedLatenessMs;
    this.merging = agg.windowFn.merging;
    this.oldWatermark = state.watermark;
    this.newWatermark = Math.max(state.watermark, clampTime(input.watermark));
    this.processingTime = Math.max(state.processingTime, clampTime(input.processingTime));
    this.watermark = this.oldWatermark;
    this.ctx = { windowEnd: 0, watermark: this.oldWatermark, processingTime: this.processingTime, merging: this.merging };
    for (const ks of state.keys) this.index.set(ks.key, ks);
  }

  run(): BundleResult<A, O, I> {
    if (this.input.elements.length > 0) {
      if (this.merging) this.applySessions();
      else this.applyAligned();
    }
    this.watermark = this.newWatermark;
    this.ctx.watermark = this.newWatermark;
    this.state.watermark = this.newWatermark;
    this.state.processingTime = this.processingTime;
    const timers = this.advance();
    this.state.timers = timers;
    return { state: this.state, panes: this.panes, late: this.late, collected: this.collected, timers };
  }

  /** The watermark at which a window ending at `end` is garbage-collected: `maxTimestamp + allowedLateness` is passed. */
  private gcAt(end: number): number {
    return Math.min(end + this.latenessMs, END_OF_TIME);
  }

  // ---------------------------------------------------------------- phase 1: fixed, sliding, global

  private applyAligned(): void {
    const wf = this.agg.windowFn;
    const fn = this.fn;
    const W = this.oldWatermark;
    const lateness = this.latenessMs;
    const elements = this.input.elements;
    const closed = this.trigger.root.canFinish ? this.closedWindows() : null;
    const groups = new Map<string, KeyGroups<A>>();

    let sizeMs: number;
    let periodMs: number;
    let offsetMs: number;
    if (wf.kind === 'fixed') {
      sizeMs = wf.sizeMs;
      periodMs = wf.sizeMs;
      offsetMs = wf.offsetMs;
    } else if (wf.kind === 'sliding') {
      sizeMs = wf.sizeMs;
      periodMs = wf.periodMs;
      offsetMs = wf.offsetMs;
    } else {
      sizeMs = END_OF_TIME - MIN_TIMESTAMP;
      periodMs = sizeMs;
      offsetMs = 0;
    }
    const isGlobal = wf.kind === 'global';
    // Windows per element when size is a multiple of period; otherwise the general path below.
    const perElement = sizeMs % periodMs === 0 ? sizeMs / periodMs : 0;

    // Fast path: one window per element (fixed, global) and no closed windows to check.
    const single = perElement === 1 && (closed === null || closed.size === 0);
    for (let i = 0; single && i < elements.length; i++) {
      const el = elements[i] as Element<I>;
      const t = el.timestamp;
      if (!isValidTimestamp(t)) throw invalidTimestamp(el, i);
      let kg = groups.get(el.key);
      if (kg === undefined) {
        kg = this.keyGroups(el.key);
        groups.set(el.key, kg);
      }
      const start = isGlobal ? MIN_TIMESTAMP : t - floorMod(t - offsetMs, sizeMs);
      let g = kg.last;
      if (g === null || g.start !== start) {
        const ord = isGlobal ? 0 : (start - offsetMs) / sizeMs;
        g = kg.byOrd.get(ord) ?? null;
        if (g === null) {
          g = this.openGroup(kg, start, isGlobal ? END_OF_TIME : start + sizeMs);
          kg.byOrd.set(ord, g);
          kg.list.push(g);
        }
        kg.last = g;
      }
      if (Math.min(g.end + lateness, END_OF_TIME) <= W) {
        this.pushLate(el, g.start, g.end, 'expired');
        continue;
      }
      g.acc = fn.addInput(g.acc, el);
      g.n++;
    }

    for (let i = 0; !single && i < elements.length; i++) {
      const el = elements[i] as Element<I>;
      const t = el.timestamp;
      if (!isValidTimestamp(t)) throw invalidTimestamp(el, i);
      let kg = groups.get(el.key);
      if (kg === undefined) {
        kg = this.keyGroups(el.key);
        groups.set(el.key, kg);
      }
      const lastStart = isGlobal ? MIN_TIMESTAMP : t - floorMod(t - offsetMs, periodMs);
      const ord = isGlobal ? 0 : (lastStart - offsetMs) / periodMs;
      let set: Group<A>[];
      if (kg.lastOrd === ord && kg.lastGroups !== null && perElement > 0) {
        set = kg.lastGroups;
      } else {
        set = [];
        for (let start = lastStart, o = ord; start > t - sizeMs; start -= periodMs, o--) {
          let g = kg.byOrd.get(o);
          if (g === undefined) {
            g = this.openGroup(kg, start, isGlobal ? END_OF_TIME : start + sizeMs);
            kg.byOrd.set(o, g);
            kg.list.push(g);
          }
          set.push(g);
        }
        kg.lastOrd = ord;
        kg.lastGroups = set;
      }
      // Fast check on the oldest window: if it is neither expired nor closed, none is.
      const oldest = set[set.length - 1] as Group<A>;
      if (Math.min(oldest.end + lateness, END_OF_TIME) <= W || (closed !== null && closed.size > 0)) {
        for (let j = 0; j < set.length; j++) {
          const g = set[j] as Group<A>;
          if (Math.min(g.end + lateness, END_OF_TIME) <= W) this.pushLate(el, g.start, g.end, 'expired');
          else if (closed !== null && closed.has(closedId(el.key, g.start))) this.pushLate(el, g.start, g.end, 'closed');
          else {
            g.acc = fn.addInput(g.acc, el);
            g.n++;
          }
        }
      } else {
        for (let j = 0; j < set.length; j++) {
          const g = set[j] as Group<A>;
          g.acc = fn.addInput(g.acc, el);
          g.n++;
        }
      }
    }

    for (const kg of groups.values()) {
      if (!kg.list.some((g) => g.n > 0)) continue; // every element of the key was late
      let ks = this.index.get(kg.key);
      if (ks === undefined) {
        ks = { key: kg.key, windows: [] };
        this.index.set(kg.key, ks);
        this.state.keys.push(ks);
      }
      const existing = ks.windows.length;
      let appended = false;
      for (const g of kg.list) {
        if (g.n === 0) continue; // every element of the group was late (or its window closed)
        let w = g.w;
        if (w) {
          // The group accumulated into the open window in place.
          w.a = g.acc;
          w.c += g.n;
          w.p += g.n;
        } else {
          // openGroup found no open window with this start: the window is new.
          w = this.newWindow(g.start, g.end, g.acc, g.n);
          ks.windows.push(w);
          appended = true;
        }
        this.onElements(ks.key, w, g.n);
      }
      if (appended && existing > 0) ks.windows.sort((a, b) => a.s - b.s);
    }
  }

  /** Pre-combine groups for a key, remembering the key's existing windows (aligned windows). */
  private keyGroups(key: string): KeyGroups<A> {
    const ks = this.index.get(key) ?? null;
    const byStart = ks !== null && ks.windows.length > 8 ? new Map(ks.windows.map((w) => [w.s, w])) : null;
    return { key, byOrd: new Map(), list: [], lastOrd: Number.NaN, lastGroups: null, last: null, ks, byStart };
  }

  /** A new group; if the key already has this (open) window, the group accumulates into it in place. */
  private openGroup(kg: KeyGroups<A>, start: number, end: number): Group<A> {
    let w: WindowState<A> | undefined;
    const ks = kg.ks;
    if (ks !== null && ks !== undefined) {
      if (kg.byStart) w = kg.byStart.get(start);
      else for (const x of ks.windows) if (x.s === start) w = x;
    }
    if (w !== undefined && w.x !== 1) return { start, end, acc: w.a === null ? this.fn.createAccumulator() : w.a, n: 0, w };
    return { start, end, acc: this.fn.createAccumulator(), n: 0, w: null };
  }

  /** Closed windows (trigger finished) as `key\0start` ids; empty for most partitions. */
  private closedWindows(): Set<string> {
    const ids = new Set<string>();
    for (const ks of this.state.keys) for (const w of ks.windows) if (w.x === 1) ids.add(closedId(ks.key, w.s));
    return ids;
  }

  // ---------------------------------------------------------------- phase 1: sessions

  private applySessions(): void {
    const wf = this.agg.windowFn;
    if (wf.kind !== 'sessions') throw new Error('unreachable: merging window fn that is not sessions');
    const gap = wf.gapMs;
    const W = this.oldWatermark;
    const fn = this.fn;
    const elements = this.input.elements;
    // Pre-combine without sorting elements: elements of one key whose timestamps fall in the same
    // gap-sized bucket are less than `gap` apart, so their proto-windows all overlap and belong to
    // one session whatever else arrives. Each bucket becomes one group [min t, max t + gap); only the
    // few groups per key are then sorted and swept into sessions.
    const perKey = new Map<string, KeyGroups<A>>();
    for (let i = 0; i < elements.length; i++) {
      const el = elements[i] as Element<I>;
      const t = el.timestamp;
      if (!isValidTimestamp(t)) throw invalidTimestamp(el, i);
      // Each element's own proto-window [t, t + gap) decides whether it is droppable, as in Beam.
      if (this.gcAt(t + gap) <= W) {
        this.pushLate(el, t, t + gap, 'expired');
        continue;
      }
      let kg = perKey.get(el.key);
      if (kg === undefined) {
        kg = { key: el.key, byOrd: new Map(), list: [], lastOrd: Number.NaN, lastGroups: null, last: null };
        perKey.set(el.key, kg);
      }
      const ord = (t - floorMod(t, gap)) / gap;
      let g: Group<A> | undefined;
      if (kg.lastOrd === ord && kg.lastGroups !== null) g = kg.lastGroups[0];
      else {
        g = kg.byOrd.get(ord);
        if (g === undefined) {
          g = { start: t, end: t + gap, acc: fn.createAccumulator(), n: 0 };
          kg.byOrd.set(ord, g);
          kg.list.push(g);
        }
        kg.lastOrd = ord;
        kg.lastGroups = [g];
      }
      g = g as Group<A>;
      if (t < g.start) g.start = t;
      if (t + gap > g.end) g.end = t + gap;
      g.acc = fn.addInput(g.acc, el);
      g.n++;
    }
    for (const [key, kg] of perKey) {
      // Sweep the bucket groups (sorted by start) into disjoint sessions.
      const buckets = kg.list.sort(byStart);
      const groups: Group<A>[] = [];
      let cur: Group<A> | undefined;
      let parts: A[] = [];
      for (const b of buckets) {
        if (cur !== undefined && b.start < cur.end) {
          if (b.end > cur.end) cur.end = b.end;
          cur.n += b.n;
          parts.push(b.acc);
        } else {
          if (cur !== undefined && parts.length > 1) cur.acc = fn.mergeAccumulators(parts);
          cur = { start: b.start, end: b.end, acc: b.acc, n: b.n };
          parts = [b.acc];
          groups.push(cur);
        }
      }
      if (cur !== undefined && parts.length > 1) cur.acc = fn.mergeAccumulators(parts);
      let ks = this.index.get(key);
      if (ks === undefined) {
        ks = { key, windows: [] };
        this.index.set(key, ks);
        this.state.keys.push(ks);
      }
      if (ks.windows.length === 0) {
        for (const grp of groups) {
          const w = this.newWindow(grp.start, grp.end, grp.acc, grp.n);
          ks.windows.push(w);
          this.onElements(key, w, grp.n);
        }
      } else {
        this.mergeSessions(ks, groups, W);
      }
    }
  }

  /** Merges new session groups into a key's open sessions; each overlapping cluster becomes one window. */
  private mergeSessions(ks: KeyState<A>, groups: Group<A>[], W: number): void {
    const fn = this.fn;
    const old = ks.windows;
    const out: WindowState<A>[] = [];
    const fresh = this.trigger.newState();
    let i = 0;
    let j = 0;
    while (i < old.length || j < groups.length) {
      // Start a cluster with whichever comes first, then absorb everything that overlaps it.
      const members: WindowState<A>[] = [];
      const added: Group<A>[] = [];
      let start: number;
      let end: number;
      const takeOld = j >= groups.length || (i < old.length && (old[i] as WindowState<A>).s <= (groups[j] as Group<A>).start);
      if (takeOld) {
        const w = old[i++] as WindowState<A>;
        members.push(w);
        start = w.s;
        end = w.e;
      } else {
        const g = groups[j++] as Group<A>;
        added.push(g);
        start = g.start;
        end = g.end;
      }
      for (;;) {
        if (i < old.length && (old[i] as WindowState<A>).s < end) {
          const w = old[i++] as WindowState<A>;
          members.push(w);
          if (w.e > end) end = w.e;
        } else if (j < groups.length && (groups[j] as Group<A>).start < end) {
          const g = groups[j++] as Group<A>;
          added.push(g);
          if (g.end > end) end = g.end;
        } else break;
      }
      if (added.length === 0) {
        out.push(members[0] as WindowState<A>);
        continue;
      }
      let n = 0;
      for (const g of added) n += g.n;
      if (members.length === 0 && added.length === 1) {
        const g = added[0] as Group<A>;
        const w = this.newWindow(g.start, g.end, g.acc, g.n);
        out.push(w);
        this.onElements(ks.key, w, n);
        continue;
      }
      // A merge (Beam calls onMerge even when a proto-window lies inside an existing session).
      const accs: A[] = [];
      const sources: number[][] = [];
      let c = 0;
      let p = 0;
      let panes = 0;
      let ns = -1;
      let lt = 0;
      let ot = W < end ? 1 : 0;
      for (const w of members) {
        if (w.a !== null) accs.push(w.a);
        sources.push(w.t);
        c += w.c;
        p += w.p;
        panes = Math.max(panes, w.i);
        ns = Math.max(ns, w.ns);
        lt = Math.max(lt, w.lt);
        if (w.ot === 1) ot = 1;
      }
      for (const g of added) {
        accs.push(g.acc);
        sources.push(fresh);
      }
      this.ctx.windowEnd = end;
      const merged: WindowState<A> = {
        s: start,
        e: end,
        a: accs.length === 1 ? (accs[0] as A) : fn.mergeAccumulators(accs),
        c: c + n,
        p: p + n,
        t: this.trigger.onMerge(sources, this.ctx),
        i: panes,
        ns,
        lt,
        ot,
        x: 0,
        te: null,
        tp: null,
      };
      out.push(merged);
      this.onElements(ks.key, merged, n);
    }
    ks.windows = out.filter((w) => w.x !== 1);
  }

  // ---------------------------------------------------------------- windows, triggers, panes

  private newWindow(start: number, end: number, acc: A, n: number): WindowState<A> {
    return {
      s: start,
      e: end,
      a: acc,
      c: n,
      p: n,
      t: this.trigger.newState(),
      i: 0,
      ns: -1,
      lt: 0,
      ot: this.oldWatermark < end ? 1 : 0,
      x: 0,
      te: null,
      tp: null,
    };
  }

  /** New elements reached `w`: tell the trigger, fire if it is ready, and refresh the window's timers. */
  private onElements(key: string, w: WindowState<A>, n: number): void {
    const ctx = this.ctx;
    ctx.windowEnd = w.e;
    this.trigger.onElement(w.t, ctx, n);
    if (this.trigger.shouldFire(w.t, ctx)) this.fire(key, w, false);
    this.refreshTimers(w);
  }

  private refreshTimers(w: WindowState<A>): void {
    if (w.x === 1) {
      w.te = null;
      w.tp = null;
      return;
    }
    this.ctx.windowEnd = w.e;
    const t = this.trigger.nextTimers(w.t, this.ctx);
    w.te = t.eventTime === Number.POSITIVE_INFINITY ? null : t.eventTime;
    w.tp = t.processingTime === Number.POSITIVE_INFINITY ? null : t.processingTime;
  }

  /**
   * Fires `w`: records the firing with the trigger (unless this is the garbage-collection pane,
   * which is final by definition), emits a pane if it has data or is the ON_TIME pane (Beam's
   * default `FIRE_ALWAYS` on-time behaviour, `FIRE_IF_NON_EMPTY` closing behaviour), and clears
   * the accumulator when DISCARDING or finished.
   */
  private fire(key: string, w: WindowState<A>, final: boolean): void {
    this.ctx.windowEnd = w.e;
    const finished = final ? true : this.trigger.onFire(w.t, this.ctx);
    let timing: PaneTiming;
    if (w.lt >= 2) timing = Timing.LATE;
    else if (this.watermark < w.e) timing = Timing.EARLY;
    else timing = w.ot === 1 ? Timing.ON_TIME : Timing.LATE;
    if (w.p > 0 || timing === Timing.ON_TIME) {
      const index = w.i;
      const nonSpeculativeIndex = timing === Timing.EARLY ? -1 : index === 0 ? 0 : w.ns + 1;
      const window = { start: w.s, end: w.e };
      this.panes.push({
        aggregation: this.agg.name,
        key,
        window,
        output: this.fn.extractOutput(w.a === null ? this.fn.createAccumulator() : w.a),
        pane: { timing, index, nonSpeculativeIndex, isFirst: index === 0, isLast: finished },
        paneId: paneId(this.agg.name, key, window, index),
        watermark: this.watermark,
        processingTime: this.processingTime,
        eventCount: w.c,
      });
      w.i = index + 1;
      w.ns = nonSpeculativeIndex;
      w.lt = TIMING_CODE[timing];
    }
    w.p = 0;
    if (this.discarding || finished) {
      w.a = null;
      w.c = 0;
    }
    if (finished) w.x = 1;
  }

  private pushLate(el: Element<I>, start: number, end: number, reason: LateReason): void {
    const W = this.oldWatermark;
    const rec: LateRecord<I> = {
      key: el.key,
      timestamp: el.timestamp,
      value: el.value,
      window: { start, end },
      latenessMs: W - el.timestamp,
      watermark: W,
      reason,
    };
    if (el.id !== undefined) rec.id = el.id;
    this.late.push(rec);
  }

  // ---------------------------------------------------------------- phase 2: timers and garbage collection

  private advance(): PartitionTimers {
    const W = this.newWatermark;
    const P = this.processingTime;
    let nextEvent = Number.POSITIVE_INFINITY;
    let nextProcessing = Number.POSITIVE_INFINITY;
    let emptied = false;
    for (const ks of this.state.keys) {
      let removed = 0;
      const ws = ks.windows;
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i] as WindowState<A>;
        const gcAt = this.gcAt(w.e);
        const due = (w.te !== null && w.te <= W) || (w.tp !== null && w.tp <= P);
        if (gcAt <= W) {
          if (w.x !== 1) {
            // Timers before the garbage-collection time fire first (e.g. the ON_TIME pane when
            // allowed lateness > 0 and the watermark jumped past both).
            if (due && gcAt > w.e) {
              this.ctx.windowEnd = w.e;
              if (this.trigger.shouldFire(w.t, this.ctx)) this.fire(ks.key, w, false);
            }
            if (w.x !== 1) this.fire(ks.key, w, true);
          }
          this.collected.push({ key: ks.key, window: { start: w.s, end: w.e } });
          ws[i] = undefined as unknown as WindowState<A>;
          removed++;
          continue;
        }
        if (due && w.x !== 1) {
          this.ctx.windowEnd = w.e;
          if (this.trigger.shouldFire(w.t, this.ctx)) this.fire(ks.key, w, false);
          this.refreshTimers(w);
        }
        if (this.merging && w.x === 1) {
          // Closed sessions take no part in merging (Beam drops them from the active set); forget them.
          this.collected.push({ key: ks.key, window: { start: w.s, end: w.e } });
          ws[i] = undefined as unknown as WindowState<A>;
          removed++;
          continue;
        }
        if (w.te !== null && w.te < nextEvent) nextEvent = w.te;
        if (gcAt < nextEvent) nextEvent = gcAt;
        if (w.tp !== null && w.tp < nextProcessing) nextProcessing = w.tp;
      }
      if (removed > 0) {
        ks.windows = removed === ws.length ? [] : ws.filter((w) => w !== undefined);
        if (ks.windows.length === 0) emptied = true;
      }
    }
    if (emptied) this.state.keys = this.state.keys.filter((ks) => ks.windows.length > 0);
    return {
      eventTime: nextEvent === Number.POSITIVE_INFINITY ? null : nextEvent,
      processingTime: nextProcessing === Number.POSITIVE_INFINITY ? null : nextProcessing,
    };
  }
}

function byStart(a: { start: number }, b: { start: number }): number {
  return a.start - b.start;
}

function closedId(key: string, start: number): string {
  return `${key}\u0000${start}`;
}

function invalidTimestamp(el: Element<unknown>, i: number): RangeError {
  return new RangeError(
    `element ${i} (key ${JSON.stringify(el.key)}): timestamp must be a whole number of epoch ms in [MIN_TIMESTAMP, END_OF_TIME); got ${String(el.timestamp)}`,
  );
}

/**
 * Whether a partition with these timers needs an advance call at `watermark` / `processingTime`
 * (for the tick, which reads `state.timers` from partition summaries).
 */
export function timersDue(timers: PartitionTimers, watermark: number, processingTime: number): boolean {
  return (timers.eventTime !== null && clampTime(watermark) >= timers.eventTime) || (timers.processingTime !== null && processingTime >= timers.processingTime);
}
