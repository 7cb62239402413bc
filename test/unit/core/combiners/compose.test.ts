import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { composeCombiners, countFn, maxFn, minFn, sumFn, type AccumulatorOf, type OutputOf, type SumAccumulator } from '../../../../shared/core/combiners';
import { addAll, addSplit, expectJsonSafe, splitPlan } from './harness';

describe('composeCombiners', () => {
  const fn = composeCombiners({ n: countFn(), total: sumFn(), low: minFn(), high: maxFn() });

  it('runs every part over every input and names the outputs', () => {
    const acc = addAll(fn, [3, null, -2, 'x', 10]);
    expect(fn.extractOutput(acc)).toEqual({ n: 5, total: 11, low: -2, high: 10 });
    expect(fn.names).toEqual(['n', 'total', 'low', 'high']);
    expectJsonSafe(acc);
  });

  it('types each output after its part', () => {
    expectTypeOf(fn.extractOutput).returns.toEqualTypeOf<{ n: number; total: number | null; low: number | null; high: number | null }>();
    expectTypeOf<AccumulatorOf<ReturnType<typeof sumFn>>>().toEqualTypeOf<SumAccumulator>();
    expectTypeOf<OutputOf<ReturnType<typeof sumFn>>>().toEqualTypeOf<number | null>();
  });

  it('outputs each part’s empty result for an empty input', () => {
    expect(fn.extractOutput(fn.mergeAccumulators([]))).toEqual({ n: 0, total: null, low: null, high: null });
  });

  it('merges in any split and order to the parts computed alone', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(null)), { maxLength: 60 }), splitPlan, (inputs, plan) => {
        const expected = {
          n: countFn().extractOutput(addAll(countFn(), inputs)),
          total: sumFn().extractOutput(addAll(sumFn(), inputs)),
          low: minFn().extractOutput(addAll(minFn(), inputs)),
          high: maxFn().extractOutput(addAll(maxFn(), inputs)),
        };
        expect(fn.extractOutput(addSplit(fn, inputs, plan))).toEqual(expected);
      }),
    );
  });
});
