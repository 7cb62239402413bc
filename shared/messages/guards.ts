/**
 * Guards for untrusted input, usable by every decoder: invalid UTF-8, oversize payloads, deep
 * nesting, huge strings, too many keys, and keys that could pollute prototypes when a record is
 * later merged or spread (`__proto__`, `constructor`, `prototype`). Each failure is a
 * `DecodeError` with a short reason (the dead-letter `reason`) and a message naming where.
 */
import { DecodeError } from '../core/errors';

export interface InputLimits {
  /** Largest accepted input, in bytes. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays (the top-level value is depth 1). */
  maxDepth: number;
  /** Longest string (in UTF-16 code units), keys included. */
  maxStringLength: number;
  /** Most keys in one object. */
  maxKeys: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxDepth: 32,
  maxStringLength: 256 * 1024,
  maxKeys: 2000,
});

/** Dead-letter reasons raised by the guards. */
export const GuardReason = {
  TOO_LARGE: 'too_large',
  INVALID_UTF8: 'invalid_utf8',
  INVALID_JSON: 'invalid_json',
  TOO_DEEP: 'too_deep',
  HOSTILE_KEY: 'hostile_key',
  STRING_TOO_LONG: 'string_too_long',
  TOO_MANY_KEYS: 'too_many_keys',
} as const;
export type GuardReason = (typeof GuardReason)[keyof typeof GuardReason];

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 strictly: malformed sequences are a `DecodeError('invalid_utf8')`, never U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DecodeError(GuardReason.INVALID_UTF8, 'payload is not valid UTF-8');
  }
}

/**
 * Scans JSON text for its nesting depth without parsing it, so a payload like `[[[[…]]]]` a
 * million deep is rejected before `JSON.parse` could exhaust the stack.
 */
export function assertJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new DecodeError(GuardReason.TOO_DEEP, `JSON nests deeper than ${maxDepth} levels (at character ${i})`);
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

function pathOf(base: string, segments: ReadonlyArray<string | number>): string {
  let out = base;
  for (const key of segments) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key.slice(0, 40))}]`;
  }
  return out || 'value';
}

/**
 * Walks a parsed value and throws on hostile keys, depth, long strings or too many keys.
 * Paths are built only when something fails, so the walk costs little on good input.
 * @param path where `value` sits, for messages (`envelopes[3].record`).
 */
export function guardValue(value: unknown, limits: Partial<InputLimits> = {}, path = ''): void {
  const l = { ...DEFAULT_INPUT_LIMITS, ...limits };
  const segments: Array<string | number> = [];
  const fail = (reason: GuardReason, rule: string): never => {
    throw new DecodeError(reason, `${pathOf(path, segments)}: ${rule}`);
  };
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (v.length > l.maxStringLength) fail(GuardReason.STRING_TOO_LONG, `string of ${v.length} characters exceeds ${l.maxStringLength}`);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (depth > l.maxDepth) fail(GuardReason.TOO_DEEP, `nests deeper than ${l.maxDepth} levels`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'object' || typeof item === 'string') {
          segments.push(i);
          walk(item, depth + 1);
          segments.pop();
        }
      }
      return;
    }
    let n = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (++n > l.maxKeys) fail(GuardReason.TOO_MANY_KEYS, `more than ${l.maxKeys} keys`);
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') {
        fail(GuardReason.HOSTILE_KEY, `key '${k}' is not allowed (prototype-pollution guard)`);
      }
      if (k.length > l.maxStringLength) fail(GuardReason.STRING_TOO_LONG, `a key of ${k.length} characters exceeds ${l.maxStringLength}`);
      const item: unknown = (v as Record<string, unknown>)[k];
      if (typeof item === 'object' || typeof item === 'string') {
        segments.push(k);
        walk(item, depth + 1);
        segments.pop();
      }
    }
  };
  walk(value, 1);
}

/**
 * JSON.parse's message without the excerpt of the input V8 quotes (`Unexpected token 'o', "{oops"
 * is not valid JSON`): a dead letter's message must not copy the payload it may have to withhold.
 */
function withoutInput(message: string): string {
  return message.replace(/, ".*" is not valid JSON$/s, '');
}

/** Parses untrusted JSON (text or UTF-8 bytes) under `limits`; every failure is a `DecodeError` with a reason. */
export function parseJsonGuarded(input: string | Uint8Array, limits: Partial<InputLimits> = {}): unknown {
  const l = { ...DEFAULT_INPUT_LIMITS, ...limits };
  const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (bytes > l.maxBytes) throw new DecodeError(GuardReason.TOO_LARGE, `payload of ${bytes} bytes exceeds ${l.maxBytes}`);
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  assertJsonDepth(text, l.maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(GuardReason.INVALID_JSON, `payload is not valid JSON: ${withoutInput((err as Error).message)}`);
  }
  guardValue(value, l);
  return value;
}

/**
 * Pub/Sub attributes are arbitrary producer-chosen strings. Keys the guards reject
 * (`__proto__`, `constructor`, `prototype`) are renamed with a leading `_` so one odd attribute
 * cannot make a whole bundle (or its dead letter) undecodable downstream; non-string values are
 * dropped.
 */
export function sanitizeAttributes(attributes: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!attributes) return out;
  for (const k of Object.keys(attributes)) {
    const v = attributes[k];
    if (typeof v !== 'string') continue;
    const key = k === '__proto__' || k === 'constructor' || k === 'prototype' ? `_${k}` : k;
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
