/**
 * Build-time code generation of ajv validators ("standalone" mode). Compiling a large schema costs
 * hundreds of milliseconds of CPU at import — on every cold start of every function — so the
 * definition and wire-format validators are generated once, checked in as
 * `*.generated.js`, and kept in sync by a unit test that regenerates and compares them
 * (`SLUICE_UPDATE_GENERATED=1 npx vitest run --project unit test/unit/pipeline/generated-validators.test.ts`
 * rewrites them).
 */
import Ajv2020, { type Options } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

/** The ajv options every sluice validator is compiled with (errors carry `parentSchema` for messages). */
export const VALIDATOR_OPTIONS: Options = {
  discriminator: true,
  verbose: true,
  allErrors: false,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  // Shared subschemas ($defs) stay shared functions instead of being inlined at every use.
  inlineRefs: false,
};

/** The JSON Schema dialect record schemas are written in. */
export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** A fresh ajv with sluice's options and annotation keywords. */
export function newAjv(extra: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...VALIDATOR_OPTIONS, ...extra });
  ajv.addKeyword({ keyword: 'x-rule', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-required-hints', schemaType: 'object' });
  return ajv;
}

/**
 * ESM source exporting one validator per entry of `schemas` (export name → schema). A schema
 * object must not carry an `$id` of its own (it is given `sluice:<name>`); a string names a
 * schema ajv already knows, such as the JSON Schema 2020-12 meta-schema.
 */
export function standaloneValidatorsSource(schemas: Record<string, Record<string, unknown> | string>, header: string): string {
  const ajv = newAjv({ code: { source: true, esm: true } });
  const exportsMap: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (typeof schema === 'string') {
      exportsMap[name] = schema;
      continue;
    }
    const id = `sluice:${name}`;
    ajv.addSchema({ ...schema, $id: id });
    exportsMap[name] = id;
  }
  // ajv's standalone output `require`s its runtime helpers even in ESM mode: turn those into imports
  // (`?? ` covers both CommonJS interop conventions: Node's and bundlers').
  const imports: string[] = [];
  const code = standaloneCode(ajv, exportsMap).replace(
    /const (func\d+) = require\("(ajv\/dist\/runtime\/[a-z0-9_]+)"\)\.default;/g,
    (_m, name: string, mod: string) => {
      imports.push(`import ${name}_module from "${mod}.js";`);
      return `const ${name} = ${name}_module.default ?? ${name}_module;`;
    },
  );
  if (/\brequire\(/.test(code)) throw new Error('standalone validator still calls require(); extend the rewrite in validator-codegen.ts');
  return `${header}\n/* eslint-disable */\n${imports.join('\n')}\n${code}\n`;
}
