/**
 * Fault injection for tests: crash the aggregator at the three points where a crash could lose or
 * double-count results if the design were wrong. Off unless a `FaultInjector` is passed in.
 */

export const FaultPoint = {
  /** The transaction body ran (bundle applied in memory) but nothing is committed. */
  BEFORE_COMMIT: 'beforeCommit',
  /** State and outbox are committed; nothing is inserted into BigQuery; the message is not acked. */
  AFTER_COMMIT: 'afterCommitBeforeAck',
  /** Panes are inserted into BigQuery; the outbox is not yet known to be confirmed (not cleared). */
  AFTER_INSERT: 'afterInsertBeforeClear',
} as const;
export type FaultPoint = (typeof FaultPoint)[keyof typeof FaultPoint];

/** What the injector is told about the message being processed. */
export interface FaultContext {
  kind: 'bundle' | 'advance';
  aggregation: string;
  partition: number;
  /** The bundle id (bundles only). */
  bundleId?: string;
}

/** Decides whether to crash at a point. */
export interface FaultInjector {
  shouldFail(point: FaultPoint, context: FaultContext): boolean;
}

/** The crash an injector causes: retryable, so the handler answers non-2xx and Pub/Sub redelivers. */
export class InjectedFault extends Error {
  readonly retryable = true;
  constructor(
    readonly point: FaultPoint,
    context: FaultContext,
  ) {
    super(`injected fault at ${point} (${context.kind} ${context.aggregation}/${context.partition}${context.bundleId ? ` ${context.bundleId}` : ''})`);
    this.name = 'InjectedFault';
  }
}

/**
 * An injector that fails the first delivery of each message selected by `select` at `point`
 * (once per (point, message)), so every injected crash is followed by a successful redelivery.
 */
export class FailOnceInjector implements FaultInjector {
  private readonly failed = new Set<string>();
  /** How many faults were injected, per point. */
  readonly injected: Record<FaultPoint, number> = { beforeCommit: 0, afterCommitBeforeAck: 0, afterInsertBeforeClear: 0 };

  constructor(private readonly select: (point: FaultPoint, context: FaultContext) => boolean) {}

  shouldFail(point: FaultPoint, context: FaultContext): boolean {
    if (!this.select(point, context)) return false;
    const id = `${point}|${context.kind}|${context.aggregation}|${context.partition}|${context.bundleId ?? ''}`;
    if (this.failed.has(id)) return false;
    this.failed.add(id);
    this.injected[point]++;
    return true;
  }
}
