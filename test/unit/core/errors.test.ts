import { describe, expect, it } from 'vitest';
import { ConfigError, DecodeError, isRetryable, LimitError, permanentReason, SpecError, TransientError } from '../../../shared/core';

describe('permanentReason: the one failure decision', () => {
  it.each<[string, unknown, string | undefined]>([
    ['a decode error, by its reason', new DecodeError('invalid_json', 'x'), 'invalid_json'],
    ['a limit error, by its reason', new LimitError('partition_state_too_large', 'x'), 'partition_state_too_large'],
    ['a spec error, by its code', new SpecError('a.b', 'x'), 'spec_invalid'],
    ['a config error, by its code', new ConfigError('X', 'x'), 'config_invalid'],
    ['a transient error', new TransientError('x'), undefined],
    ['a RangeError (e.g. the Firestore client refusing a Timestamp after 9999)', new RangeError('Value for argument "seconds" must be within [-62135596800, 253402300799] inclusive'), 'out_of_range'],
    ['gRPC INVALID_ARGUMENT (a document over 1 MiB)', Object.assign(new Error('too big'), { code: 3 }), 'invalid_argument'],
    ['gRPC OUT_OF_RANGE', { code: 11 }, 'out_of_range'],
    ['gRPC UNAVAILABLE', { code: 14 }, undefined],
    ['gRPC ABORTED (contention)', { code: 10 }, undefined],
    ['gRPC NOT_FOUND (a topic or table still propagating)', { code: 5 }, undefined],
    ['gRPC PERMISSION_DENIED (IAM propagating after a deploy)', { code: 7 }, undefined],
    ['HTTP 400 from BigQuery', { code: 400 }, 'bad_request'],
    ['HTTP 413 payload too large', { status: 413 }, 'payload_too_large'],
    ['HTTP 503', { statusCode: 503 }, undefined],
    ['HTTP 429', { code: 429 }, undefined],
    ['a network reset', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), undefined],
    ['anything unrecognised', new Error('?'), undefined],
    ['a non-error', 'boom', undefined],
  ])('%s → %s', (_, err, reason) => {
    expect(permanentReason(err)).toBe(reason);
    expect(isRetryable(err)).toBe(reason === undefined);
  });
});
