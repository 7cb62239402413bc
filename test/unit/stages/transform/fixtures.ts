/** A pipeline exercising every transform path, and helpers to build deliveries for it. */
import { encodeEventBundle, type Envelope, type EventBundle } from '../../../../shared/messages';
import { definePipeline, type PipelineDefinition } from '../../../../shared/pipeline';
import { topologyFor } from '../../../../shared/topology';

export interface Order {
  order_id: string;
  customer: string;
  email?: string | null;
  card?: string | null;
  ip?: string;
  ssn?: string;
  amount: number;
  qty?: number;
  currency: string;
  sku: string;
  placed_at: string;
  channel?: string;
  product?: { name: string; category: string; weight_g: number } | null;
  amount_eur?: number;
  meta?: { source: string; tags?: string[] };
}

export const T0 = Date.UTC(2026, 10, 21, 8, 0, 0);

export function ordersDefinition(overrides: Partial<PipelineDefinition<Order>> = {}): PipelineDefinition<Order> {
  return {
    name: 'shop-orders',
    source: {
      formats: ['json', 'csv'],
      csv: { header: true },
      eventId: { from: 'field', path: 'order_id' },
      eventTime: { from: 'field', path: 'placed_at', format: 'rfc3339' },
    },
    schema: {
      type: 'object',
      required: ['order_id', 'customer', 'amount', 'currency', 'sku', 'placed_at'],
      properties: {
        order_id: { type: 'string', minLength: 1 },
        customer: { type: 'string' },
        email: { type: ['string', 'null'] },
        card: { type: ['string', 'null'] },
        ip: { type: 'string' },
        ssn: { type: 'string' },
        amount: { type: 'number' },
        qty: { type: 'integer' },
        currency: { type: 'string' },
        sku: { type: 'string' },
        placed_at: { type: 'string', format: 'date-time' },
        channel: { type: 'string' },
        meta: { type: 'object', properties: { source: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } },
      },
    },
    expectations: [
      { id: 'customer_present', kind: 'notNull', field: 'customer' },
      { id: 'amount_range', kind: 'range', field: 'amount', min: 0, max: 10_000, exclusiveMin: true },
      { id: 'sku_format', kind: 'regex', field: 'sku', pattern: '^SKU-[0-9]+$' },
      { id: 'currency_known', kind: 'allowedValues', field: 'currency', values: ['EUR', 'USD'] },
      { id: 'customer_length', kind: 'length', field: 'customer', min: 2, max: 40 },
      { id: 'fresh', kind: 'maxAge', maxAge: '1d', maxFuture: '5m' },
      { id: 'qty_small', kind: 'range', field: 'qty', max: 100, severity: 'warn' },
    ],
    pii: [
      { field: 'email', action: 'hash', key: { secret: 'orders-hmac' } },
      { field: 'card', action: 'mask', strategy: 'keepLast4' },
      { field: 'ip', action: 'mask', strategy: 'ipPrefix' },
      { field: 'ssn', action: 'drop' },
    ],
    enrichment: [
      {
        name: 'catalogue',
        source: { kind: 'gcs', uri: 'gs://ref-data/catalogue.csv', format: 'csv' },
        recordField: 'sku',
        sideField: 'sku',
        into: 'product',
        fields: { name: { type: 'string' }, category: { type: 'string' }, weight_g: { type: 'integer' } },
        ttl: '10m',
        onMissing: 'keep',
      },
    ],
    derivedFields: { amount_eur: { type: 'number' } },
    filter: (r) => r.channel !== 'test',
    transform: (r) => ({ ...r, amount_eur: r.currency === 'USD' ? Math.round(r.amount * 0.9 * 100) / 100 : r.amount }),
    aggregations: [
      {
        name: 'sku_minute',
        keyFields: ['sku'],
        window: { kind: 'fixed', size: '1m' },
        trigger: { kind: 'afterWatermark' },
        allowedLateness: '0s',
        accumulation: 'DISCARDING',
        measures: [
          { name: 'orders', kind: 'count' },
          { name: 'revenue', kind: 'sum', field: 'amount_eur' },
        ],
        partitions: 4,
      },
      {
        name: 'customer_category',
        keyFields: ['customer', 'product.category'],
        window: { kind: 'fixed', size: '1h' },
        trigger: { kind: 'afterWatermark' },
        allowedLateness: '0s',
        accumulation: 'DISCARDING',
        measures: [{ name: 'spend', kind: 'sum', field: 'amount_eur' }],
        partitions: 3,
      },
    ],
    watermark: { maxOutOfOrderness: '10s', idleTimeout: '1m' },
    retention: { rawArchive: {} },
    schemaDrift: { unknownFields: 'keep', typeChanges: 'record' },
    ...overrides,
  };
}

export const ordersPipeline = definePipeline<Order>(ordersDefinition());
export const ordersTopology = topologyFor(ordersPipeline, { project: 'sluice-test', region: 'europe-west1', env: 'local' });

export const CATALOGUE_CSV = 'sku,name,category,weight_g,cost\nSKU-1,Kettle,kitchen,1200,9\nSKU-2,Lamp,living,800,7\nSKU-3,Pan,kitchen,950,5\n';

export const HMAC_KEY = 'test-hmac-key';

let seq = 0;
/** An envelope for `record` (event id from `order_id`, time from `placed_at`). */
export function envelopeOf(record: Record<string, unknown>, extra: Partial<Envelope> = {}): Envelope {
  seq++;
  const id = typeof record.order_id === 'string' ? record.order_id : `e-${seq}`;
  const t = typeof record.placed_at === 'string' ? Date.parse(record.placed_at) : T0;
  return {
    eventId: id,
    eventTime: Number.isNaN(t) ? T0 : t,
    pipeline: 'shop-orders',
    source: { messageId: `m-${seq}`, publishTime: T0, attributes: { origin: 'test' }, format: 'json' },
    record,
    ingestTime: T0 + 1,
    ...extra,
  };
}

export function bundleOf(envelopes: Envelope[], pipeline = 'shop-orders'): Buffer {
  const b: EventBundle = { v: 1, pipeline, envelopes };
  return Buffer.from(encodeEventBundle(b), 'utf8');
}

/** A valid order at `T0 - minutesAgo` minutes. */
export function order(i: number, patch: Partial<Order> = {}): Order {
  return {
    order_id: `o-${i}`,
    customer: `cust-${i % 5}`,
    email: `user${i}@example.com`,
    card: `4111111111111${String(100 + i).slice(-3)}`,
    ip: `203.0.113.${i % 250}`,
    ssn: '123-45-6789',
    amount: 10 + i,
    qty: 1 + (i % 3),
    currency: i % 2 === 0 ? 'EUR' : 'USD',
    sku: `SKU-${1 + (i % 4)}`,
    placed_at: new Date(T0 - (i % 30) * 60_000).toISOString(),
    ...patch,
  };
}
