import { describe, expect, it } from 'vitest';
import { BACKLOG_METRICS, newestPoints, readBacklog, timeSeriesUrl } from '../../../cli/backlog';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const series = (id: string, points: Array<[string, string | number]>) => ({
  metric: { type: 'x' },
  resource: { type: 'pubsub_subscription', labels: { project_id: 'p', subscription_id: id } },
  points: points.map(([end, v]) => ({ interval: { startTime: end, endTime: end }, value: typeof v === 'string' ? { int64Value: v } : { doubleValue: v } })),
});

describe('backlog from Cloud Monitoring', () => {
  it('asks timeSeries.list for the metric over the subscriptions and the last ten minutes', () => {
    const url = new URL(timeSeriesUrl('my-proj', BACKLOG_METRICS.undelivered, ['a-raw', 'a-keyed'], NOW));
    expect(url.origin + url.pathname).toBe('https://monitoring.googleapis.com/v3/projects/my-proj/timeSeries');
    expect(url.searchParams.get('filter')).toBe(
      'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages" AND resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of("a-raw", "a-keyed")',
    );
    expect(url.searchParams.get('interval.startTime')).toBe('2026-01-01T11:50:00.000Z');
    expect(url.searchParams.get('interval.endTime')).toBe('2026-01-01T12:00:00.000Z');
  });

  it('takes each subscription’s newest point, whatever the order of points', () => {
    const body = {
      timeSeries: [
        series('a', [
          ['2026-01-01T11:57:00Z', '40'],
          ['2026-01-01T11:58:00Z', '12'],
          ['2026-01-01T11:56:00Z', '99'],
        ]),
        series('b', [['2026-01-01T11:58:00Z', 3.5]]),
        { resource: { labels: {} }, points: [] },
      ],
    };
    expect(newestPoints(body)).toEqual(new Map([['a', 12], ['b', 3.5]]));
    expect(newestPoints({})).toEqual(new Map());
  });

  it('joins both metrics per subscription; subscriptions without samples are absent', async () => {
    const asked: string[] = [];
    const get = async (url: string) => {
      asked.push(url);
      return url.includes('num_undelivered') ? { timeSeries: [series('a', [['2026-01-01T11:58:00Z', '7']])] } : { timeSeries: [series('a', [['2026-01-01T11:58:00Z', '65']]), series('b', [['2026-01-01T11:58:00Z', '0']])] };
    };
    const b = await readBacklog(get, 'p', ['a', 'b', 'c'], NOW);
    expect(asked).toHaveLength(2);
    expect(b).toEqual(new Map([['a', { undelivered: 7, oldestUnackedAgeS: 65 }], ['b', { oldestUnackedAgeS: 0 }]]));
    expect(await readBacklog(get, 'p', [], NOW)).toEqual(new Map());
  });
});
