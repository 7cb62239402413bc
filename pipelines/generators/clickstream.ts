/** Web tag events for the `clickstream` example pipeline (emails are fake, `example.com`). */
import type { RecordFactory } from './types';

const PAGES = ['/', '/products/kettle', '/products/toaster', '/products/mixer', '/blog/coffee', '/cart', '/checkout'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'Mozilla/5.0 (Macintosh) Safari/17.0', 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0'];

export const clickstreamRecords: RecordFactory = {
  pipeline: 'clickstream',
  // 30-minute sessions, 5-minute sliding windows, 1 min out-of-orderness, 1 h allowed lateness on sessions.
  defaults: { keys: 50, spacingMs: 200, maxJitterMs: 40_000, lateByMs: [120_000, 600_000] },
  eventIdPrefix: 'ev',
  keyOf: (i) => `user${String(i).padStart(4, '0')}@example.com`,
  valid({ key, eventTimeMs, eventId, random }) {
    const roll = random.next();
    const eventType = roll < 0.6 ? 'page_view' : roll < 0.85 ? 'click' : roll < 0.96 ? 'add_to_cart' : 'purchase';
    const page = eventType === 'purchase' ? '/checkout' : eventType === 'add_to_cart' ? '/cart' : random.pick(PAGES);
    const user = parseInt(key.slice(4, 8), 10);
    return {
      record: {
        user_email: key,
        session_hint: null,
        event_type: eventType,
        page,
        referrer: random.chance(0.3) ? 'https://search.example.org/' : null,
        ip: `10.${user % 250}.${(user * 7) % 250}.${random.int(1, 254)}`,
        user_agent: AGENTS[user % AGENTS.length],
        client_ts: eventTimeMs,
        value_eur: eventType === 'purchase' ? Math.round(random.normal(40, 15) * 100) / 100 + 20 : null,
      },
      attributes: { event_id: eventId },
    };
  },
  corrupt(record, random) {
    switch (random.int(0, 3)) {
      case 0: {
        const text = JSON.stringify(record);
        return { payload: text.slice(0, Math.floor(text.length / 2)), defect: 'truncated JSON' };
      }
      case 1:
        return { payload: JSON.stringify({ ...record, user_email: 'not-an-email' }), defect: 'user_email is not an email' };
      case 2: {
        const { page: _p, ...rest } = record;
        return { payload: JSON.stringify(rest), defect: 'missing required page' };
      }
      default:
        return { payload: JSON.stringify({ ...record, client_ts: String(record.client_ts) }), defect: 'client_ts is a string, not an integer' };
    }
  },
};
