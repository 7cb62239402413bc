// Types of the generated validators (see wire-validators.generated.js).
import type { ValidateFunction } from 'ajv';
export declare const validateEventBundle: ValidateFunction;
export declare const validateKeyedBundle: ValidateFunction;
export declare const validateAdvanceMessage: ValidateFunction;
export declare const validateTickMessage: ValidateFunction;
export declare const validateDeadLetter: ValidateFunction;
