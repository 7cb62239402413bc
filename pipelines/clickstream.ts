/**
 * Web clickstream → per-user sessions and per-page traffic.
 *
 * The site's tag publishes page views and clicks with an `event_id` attribute (set by the browser,
 * so retries are the same event) and a client timestamp in epoch milliseconds. Emails are hashed
 * with a keyed HMAC before anything is stored, so sessions still key on the same user; IP
 * addresses keep only their network prefix.
 */
import { definePipeline } from '../shared/pipeline';

export interface ClickEvent {
  user_email: string;
  session_hint?: string | null;
  event_type: 'page_view' | 'click' | 'add_to_cart' | 'purchase';
  page: string;
  referrer?: string | null;
  ip: string;
  user_agent?: string;
  client_ts: number;
  value_eur?: number | null;
  page_section?: string;
}

export const clickstream = definePipeline<ClickEvent>({
  name: 'clickstream',
  description: 'Per-user sessions (30-minute gap) and per-page 5-minute traffic from the web tag.',
  source: {
    formats: ['json', 'ndjson'],
    eventId: { from: 'attribute', name: 'event_id', fallback: 'contentHash' },
    eventTime: { from: 'field', path: 'client_ts', format: 'epochMs', fallback: 'publishTime' },
  },
  schema: {
    type: 'object',
    required: ['user_email', 'event_type', 'page', 'ip', 'client_ts'],
    properties: {
      user_email: { type: 'string', format: 'email' },
      session_hint: { type: ['string', 'null'] },
      event_type: { enum: ['page_view', 'click', 'add_to_cart', 'purchase'] },
      page: { type: 'string', minLength: 1, maxLength: 2048 },
      referrer: { type: ['string', 'null'] },
      ip: { type: 'string' },
      user_agent: { type: 'string', maxLength: 1024 },
      client_ts: { type: 'integer' },
      value_eur: { type: ['number', 'null'] },
    },
  },
  expectations: [
    { id: 'page_is_path', kind: 'regex', field: 'page', pattern: '^/' },
    { id: 'known_event_type', kind: 'allowedValues', field: 'event_type', values: ['page_view', 'click', 'add_to_cart', 'purchase'] },
    { id: 'purchase_value_positive', kind: 'range', field: 'value_eur', min: 0, exclusiveMin: true, severity: 'warn' },
    { id: 'client_clock_sane', kind: 'maxAge', maxAge: '3d', maxFuture: '10m' },
  ],
  pii: [
    { field: 'user_email', action: 'hash', key: { secret: 'clickstream-pii-hmac' } },
    { field: 'ip', action: 'mask', strategy: 'ipPrefix' },
  ],
  derivedFields: { page_section: { type: 'string' } },
  filter: (r) => !/bot|crawler|spider/i.test(r.user_agent ?? ''),
  transform: (r) => ({ ...r, page_section: r.page.split('/')[1] || 'home' }),
  // Browsers' clocks run ahead by minutes: accept what client_clock_sane accepts (10 minutes ahead).
  watermark: { maxOutOfOrderness: '1m', idleTimeout: '5m', maxFutureSkew: '10m' },
  aggregations: [
    {
      name: 'user_sessions',
      keyFields: ['user_email'],
      window: { kind: 'sessions', gap: '30m' },
      trigger: { kind: 'afterWatermark', late: { kind: 'afterCount', count: 1 } },
      allowedLateness: '1h',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'events', kind: 'count' },
        { name: 'pages_distinct', kind: 'approxDistinct', field: 'page', precision: 12 },
        { name: 'revenue_eur', kind: 'sum', field: 'value_eur' },
        { name: 'last_page', kind: 'latest', field: 'page' },
      ],
      partitions: 8,
    },
    {
      name: 'page_traffic',
      keyFields: ['page'],
      window: { kind: 'sliding', size: '5m', period: '1m' },
      trigger: {
        kind: 'afterWatermark',
        early: { kind: 'repeatedly', trigger: { kind: 'afterProcessingTime', delay: '30s' } },
      },
      allowedLateness: '0s',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'views', kind: 'count' },
        { name: 'users_distinct', kind: 'approxDistinct', field: 'user_email', precision: 14 },
        { name: 'top_sections', kind: 'topK', field: 'page_section', k: 5 },
      ],
      partitions: 4,
    },
  ],
  retention: {
    rawArchive: { nearlineAfterDays: 30, deleteAfterDays: 180 },
    tables: { events: 180, panes: 400, deadLetter: 30, lateData: 30, schemaDrift: 365 },
  },
  views: [
    {
      name: 'daily_funnel',
      description: 'Daily conversion funnel from deduplicated events (emails already hashed).',
      sql: `SELECT DATE(event_time) AS day,
       COUNT(DISTINCT IF(event_type = 'page_view', user_email, NULL)) AS viewers,
       COUNT(DISTINCT IF(event_type = 'add_to_cart', user_email, NULL)) AS carters,
       COUNT(DISTINCT IF(event_type = 'purchase', user_email, NULL)) AS buyers,
       SUM(IF(event_type = 'purchase', value_eur, 0)) AS revenue_eur
FROM {{events_dedup}}
GROUP BY day`,
    },
    {
      name: 'session_lengths',
      description: 'Final session lengths and sizes per user.',
      sql: `SELECT user_email, window_start AS session_start, window_end AS session_end,
       TIMESTAMP_DIFF(window_end, window_start, SECOND) AS length_s, events, revenue_eur
FROM {{user_sessions}}`,
    },
  ],
  schemaDrift: { unknownFields: 'keep', typeChanges: 'deadLetter' },
  clusterBy: ['user_email', 'page'],
  functions: { transform: { memoryMb: 1024 } },
});
