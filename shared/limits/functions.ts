/**
 * Cloud Run functions (2nd gen) limits on what reaches a function:
 * https://cloud.google.com/functions/quotas#resource_limits.
 */

/** "Max uncompressed HTTP request size: 32MB" (2nd gen; a Pub/Sub push to the function URL) — https://cloud.google.com/functions/quotas */
export const FUNCTIONS_MAX_HTTP_REQUEST_BYTES = 32 * 1024 * 1024;

/** "Max event size for event-driven functions: 512KB" (2nd gen, Eventarc) — https://cloud.google.com/functions/quotas */
export const FUNCTIONS_MAX_EVENT_BYTES = 512 * 1024;
