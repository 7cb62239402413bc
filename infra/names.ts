import { createHash } from 'node:crypto';

/**
 * GCP naming rules the program must satisfy before anything is sent to the API, so a bad name
 * fails at preview with a message instead of half-way through `pulumi up`.
 */

/**
 * A service-account id (6–30 chars, `[a-z][-a-z0-9]*[a-z0-9]`) derived from a readable base.
 * Long bases are shortened and suffixed with a stable hash so two long names never collide.
 */
export function serviceAccountId(base: string): string {
  const clean = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (clean.length >= 6 && clean.length <= 30) return clean;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 6);
  const head = clean.slice(0, 23).replace(/-+$/, '');
  const id = `${head || 'sa'}-${hash}`;
  return id.length >= 6 ? id : `${id}-sluice`;
}

/** A Cloud Functions / Cloud Run name: lower case letters, digits and hyphens, ≤ 63 chars, starting with a letter. */
export function functionName(base: string): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (clean.length <= 49) return clean;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${clean.slice(0, 40).replace(/-+$/, '')}-${hash}`;
}

/** A Pub/Sub retry backoff / duration in the API's `"<seconds>s"` form. */
export function secondsDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`a duration must be a finite number of seconds ≥ 0; got ${seconds}`);
  }
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3)}s`;
}
