import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationSchema } from '../../../shared/pipeline/definition-schema';
import { isDurationInput } from '../../../shared/pipeline';
import { newAjv } from '../../../shared/pipeline/validator-codegen';

describe('isDurationInput', () => {
  const schemaSays = newAjv().compile(durationSchema);
  const candidates = fc.oneof(
    fc.constantFrom('250ms', '30s', '5m', '1h', '2d', '0s', '1.5s', '5 m', 'm', '-1s', '1h30m', '10x', ''),
    fc.integer({ min: -5, max: 5 }),
    fc.double(),
    fc.dictionary(fc.constantFrom('days', 'hours', 'minutes', 'seconds', 'millis', 'weeks'), fc.oneof(fc.double(), fc.integer({ min: -2, max: 90 }), fc.constant('1'))),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
  );

  it('accepts exactly what the definition schema accepts', () => {
    fc.assert(
      fc.property(candidates, (x) => {
        expect(isDurationInput(x)).toBe(schemaSays(x));
      }),
      { numRuns: 500 },
    );
  });

  it.each([['30s', true], [0, true], [{ minutes: 5 }, true], [{}, false], [-1, false], [1.5, false], ['5 m', false], [{ weeks: 1 }, false]])(
    '%j → %s',
    (x, ok) => {
      expect(isDurationInput(x)).toBe(ok);
    },
  );
});
