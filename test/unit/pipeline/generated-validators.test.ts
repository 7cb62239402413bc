/**
 * The checked-in standalone validators must be exactly what the schemas generate. To regenerate
 * after changing a schema: `SLUICE_UPDATE_GENERATED=1 npx vitest run --project unit test/unit/pipeline/generated-validators.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { advanceMessageSchema, deadLetterSchema, eventBundleSchema, keyedBundleSchema, tickMessageSchema } from '../../../shared/messages/wire-schemas';
import { definitionSchema } from '../../../shared/pipeline/definition-schema';
import { JSON_SCHEMA_2020_12, standaloneValidatorsSource } from '../../../shared/pipeline/validator-codegen';

const header = (from: string): string =>
  `// GENERATED from ${from} by shared/pipeline/validator-codegen.ts — do not edit.\n` +
  '// Regenerate: SLUICE_UPDATE_GENERATED=1 npx vitest run --project unit test/unit/pipeline/generated-validators.test.ts';

const targets: Array<[file: string, source: () => string]> = [
  [
    'shared/pipeline/definition-validator.generated.js',
    () => standaloneValidatorsSource({ validateDefinitionShape: definitionSchema }, header('shared/pipeline/definition-schema.ts')),
  ],
  [
    'shared/pipeline/json-schema-validator.generated.js',
    () => standaloneValidatorsSource({ validateJsonSchemaDocument: JSON_SCHEMA_2020_12 }, header('the JSON Schema 2020-12 meta-schema')),
  ],
  [
    'shared/messages/wire-validators.generated.js',
    () =>
      standaloneValidatorsSource(
        {
          validateEventBundle: eventBundleSchema,
          validateKeyedBundle: keyedBundleSchema,
          validateAdvanceMessage: advanceMessageSchema,
          validateTickMessage: tickMessageSchema,
          validateDeadLetter: deadLetterSchema,
        } as unknown as Record<string, Record<string, unknown>>,
        header('shared/messages/wire-schemas.ts'),
      ),
  ],
];

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('generated validators', () => {
  it.each(targets)('%s is up to date with its schemas', (file, source) => {
    const expected = source();
    if (process.env.SLUICE_UPDATE_GENERATED === '1') writeFileSync(root + file, expected);
    let actual = '';
    try {
      actual = readFileSync(root + file, 'utf8');
    } catch {
      // missing: the comparison below fails with the regenerate instruction in the file header
    }
    expect(actual === expected, `${file} is stale: regenerate with SLUICE_UPDATE_GENERATED=1 (see this test's header)`).toBe(true);
  });
});
