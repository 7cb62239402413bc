/**
 * A request the service refuses, shaped as the official clients surface it: `code` is the gRPC
 * status (Firestore, Pub/Sub: `3` INVALID_ARGUMENT, message `3 INVALID_ARGUMENT: <details>`) or the
 * HTTP status (BigQuery: `400` with the JSON API's `errors`), which is what `isRetryable` reads. No
 * sluice error type on purpose: callers must classify it exactly as they classify the cloud's.
 */
export class CloudRejection extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The service's own text (gRPC `details`). */
    readonly details: string,
    /** The JSON API's error list (BigQuery). */
    readonly errors?: { message: string; domain: string; reason: string }[],
  ) {
    super(message);
    this.name = 'CloudRejection';
  }
}

/** gRPC INVALID_ARGUMENT (3), as Firestore and Pub/Sub answer a request over a limit. */
export function invalidArgument(details: string): CloudRejection {
  return new CloudRejection(3, `3 INVALID_ARGUMENT: ${details}`, details);
}

/** HTTP 400 `badRequest`, as BigQuery's JSON API answers a request over a limit. */
export function badRequest(message: string): CloudRejection {
  return new CloudRejection(400, message, message, [{ message, domain: 'global', reason: 'badRequest' }]);
}
