// Types of the generated validator (see definition-validator.generated.js).
import type { ValidateFunction } from 'ajv';
export declare const validateDefinitionShape: ValidateFunction;
