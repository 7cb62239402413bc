// Types of the generated validator (see json-schema-validator.generated.js).
import type { ValidateFunction } from 'ajv';
export declare const validateJsonSchemaDocument: ValidateFunction;
