import { describe, expect, it } from 'vitest';
import { compileAggregation, runBatch, type Element } from '../../../../shared/core/engine';
import type { AggregationSpec } from '../../../../shared/core/spec';

describe('an AggregationSpec with measures', () => {
  const spec: AggregationSpec = {
    name: 'orders_per_minute',
    window: { kind: 'fixed', size: '1m' },
    trigger: { kind: 'default' },
    allowedLateness: '0s',
    accumulation: 'DISCARDING',
    measures: [
      { name: 'orders', kind: 'count' },
      { name: 'revenue', kind: 'sum', field: 'amount' },
      { name: 'avg', kind: 'mean', field: 'amount' },
      { name: 'last', kind: 'latest', field: 'amount' },
    ],
  };

  it('compiles the measures into the combiner and runs through the engine', () => {
    const elements: Element<Record<string, unknown>>[] = [
      { key: 'shop-1', timestamp: 59_000, value: { amount: 10 } },
      { key: 'shop-1', timestamp: 1_000, value: { amount: 30 } },
      { key: 'shop-1', timestamp: 61_000, value: { amount: 5 } },
      { key: 'shop-2', timestamp: 2_000, value: { amount: 7 } },
    ];
    const panes = runBatch(compileAggregation(spec), elements).panes;
    const byId = Object.fromEntries(panes.map((p) => [`${p.key}@${p.window.start}`, p.output]));
    expect(byId).toEqual({
      'shop-1@0': { orders: 2, revenue: 40, avg: 20, last: 10 },
      'shop-1@60000': { orders: 1, revenue: 5, avg: 5, last: 5 },
      'shop-2@0': { orders: 1, revenue: 7, avg: 7, last: 7 },
    });
  });

  it('reports invalid measures with their path', () => {
    expect(() => compileAggregation({ ...spec, measures: [] }, 'aggregations[2]')).toThrow(/aggregations\[2\]\.measures/);
    expect(() => compileAggregation({ ...spec, allowedLateness: undefined as never })).toThrow(/allowedLateness is required/);
  });
});
