/**
 * Subscription backlog on a deployed project, from Cloud Monitoring: the newest sample of
 * `pubsub.googleapis.com/subscription/num_undelivered_messages` and `oldest_unacked_message_age`
 * per subscription (one `timeSeries.list` call per metric over the last minutes: the metrics are
 * sampled every 60 s and appear with a delay of a few minutes).
 *
 * The Pub/Sub emulator has no metrics, and counting a pull subscription's messages by pulling them
 * would change delivery (deliveries count toward the dead-letter policy's attempts), so locally the
 * backlog is "n/a (emulator)".
 */

export const BACKLOG_METRICS = {
  undelivered: 'pubsub.googleapis.com/subscription/num_undelivered_messages',
  oldestUnackedAge: 'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
} as const;

/** Monitoring samples this far back are considered (the metrics lag by a few minutes). */
export const BACKLOG_WINDOW_MS = 10 * 60_000;

/** The `projects.timeSeries.list` URL for one metric over the given subscriptions. */
export function timeSeriesUrl(project: string, metric: string, subscriptions: readonly string[], nowMs: number, windowMs = BACKLOG_WINDOW_MS): string {
  const ids = subscriptions.map((s) => JSON.stringify(s)).join(', ');
  const params = new URLSearchParams({
    filter: `metric.type = "${metric}" AND resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of(${ids})`,
    'interval.startTime': new Date(nowMs - windowMs).toISOString(),
    'interval.endTime': new Date(nowMs).toISOString(),
    view: 'FULL',
  });
  return `https://monitoring.googleapis.com/v3/projects/${encodeURIComponent(project)}/timeSeries?${params.toString()}`;
}

interface TimeSeriesList {
  timeSeries?: Array<{
    resource?: { labels?: Record<string, string> };
    points?: Array<{ interval?: { endTime?: string }; value?: { int64Value?: string | number; doubleValue?: number } }>;
  }>;
  nextPageToken?: string;
}

/** The newest point of each subscription's series: subscription id → value. */
export function newestPoints(body: unknown): Map<string, number> {
  const out = new Map<string, { value: number; at: number }>();
  for (const s of (body as TimeSeriesList | null)?.timeSeries ?? []) {
    const id = s.resource?.labels?.subscription_id;
    if (!id) continue;
    for (const p of s.points ?? []) {
      const at = Date.parse(p.interval?.endTime ?? '');
      const raw = p.value?.int64Value ?? p.value?.doubleValue;
      const value = Number(raw);
      if (!Number.isFinite(at) || raw === undefined || !Number.isFinite(value)) continue;
      const prev = out.get(id);
      if (!prev || at > prev.at) out.set(id, { value, at });
    }
  }
  return new Map([...out].map(([k, v]) => [k, v.value]));
}

export interface Backlog {
  undelivered?: number;
  oldestUnackedAgeS?: number;
}

/** GETs a URL with the caller's credentials and returns the JSON body. */
export type AuthorizedGet = (url: string) => Promise<unknown>;

/** Backlog per subscription id; subscriptions without a recent sample are absent. */
export async function readBacklog(get: AuthorizedGet, project: string, subscriptions: readonly string[], nowMs: number): Promise<Map<string, Backlog>> {
  const out = new Map<string, Backlog>();
  if (subscriptions.length === 0) return out;
  const [undelivered, age] = await Promise.all([
    get(timeSeriesUrl(project, BACKLOG_METRICS.undelivered, subscriptions, nowMs)).then(newestPoints),
    get(timeSeriesUrl(project, BACKLOG_METRICS.oldestUnackedAge, subscriptions, nowMs)).then(newestPoints),
  ]);
  for (const id of subscriptions) {
    const b: Backlog = {};
    const u = undelivered.get(id);
    const a = age.get(id);
    if (u !== undefined) b.undelivered = u;
    if (a !== undefined) b.oldestUnackedAgeS = a;
    if (u !== undefined || a !== undefined) out.set(id, b);
  }
  return out;
}
