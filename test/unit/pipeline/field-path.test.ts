import { describe, expectTypeOf, it } from 'vitest';
import type { AggregationSpec } from '../../../shared/core/spec';
import type { AggregationDefinition, FieldPath, PipelineDefinition } from '../../../shared/pipeline';
import type { SensorReading } from '../../../pipelines/iot-sensors';

describe('FieldPath', () => {
  it('lists the dotted paths of a record type', () => {
    expectTypeOf<FieldPath<{ a: string; geo: { country: string; city?: string | null }; tags: string[] }>>().toEqualTypeOf<
      'a' | 'geo' | 'geo.country' | 'geo.city' | 'tags'
    >();
    expectTypeOf<FieldPath<Record<string, unknown>>>().toEqualTypeOf<string>();
  });

  it('makes a misspelt key field a compile error for typed pipelines', () => {
    type Agg = PipelineDefinition<SensorReading>['aggregations'][number];
    expectTypeOf<'device_id'>().toExtend<Agg['keyFields'][number]>();
    expectTypeOf<'device.site'>().toExtend<Agg['keyFields'][number]>();
    expectTypeOf<'devce_id'>().not.toExtend<Agg['keyFields'][number]>();
  });

  it('keeps aggregation definitions usable wherever the core takes an AggregationSpec', () => {
    expectTypeOf<AggregationDefinition>().toExtend<AggregationSpec>();
    expectTypeOf<AggregationDefinition<SensorReading>>().toExtend<AggregationSpec>();
  });
});
