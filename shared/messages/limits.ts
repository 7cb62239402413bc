/**
 * Size limits on the wire, in one place.
 *
 * Cloud Functions gen2 caps an event-driven function's event payload at 512 KB. With Pub/Sub push,
 * the message's `data` reaches the function base64-encoded inside a JSON body
 * (`{"message":{"data":"…","attributes":{…},"messageId":…,"publishTime":…,"orderingKey":…},"subscription":…}`),
 * so every raw byte costs 4/3 of a byte plus that envelope. A bundle of `n` bytes therefore
 * arrives as about `4·⌈n/3⌉ + overhead` bytes: the default cap of 256 KiB arrives as about
 * 342 KiB, comfortably under 512 KiB even with a few KiB of attributes; the hard ceiling for data
 * with 4 KiB of overhead is 390,144 bytes. (A push subscription to a plain HTTPS endpoint is bounded
 * by Cloud Run's 32 MiB request limit instead; the cap stays where the stricter path needs it.)
 */
import { FUNCTIONS_MAX_EVENT_BYTES } from '../limits';

/** The gen2 event payload limit the bundles are sized against (512 KiB; see shared/limits). */
export const MAX_EVENT_PAYLOAD_BYTES = FUNCTIONS_MAX_EVENT_BYTES;

/** Room reserved for the push body's JSON, attributes, ids and ordering key. */
export const PUSH_OVERHEAD_BYTES = 4 * 1024;

/** Default bundle cap: 256 KiB of UTF-8 JSON, ≈ 342 KiB once base64-encoded for push. */
export const DEFAULT_BUNDLE_MAX_BYTES = 256 * 1024;

/** Default record count cap per bundle (bounds per-bundle work in the aggregator's transaction). */
export const DEFAULT_BUNDLE_MAX_RECORDS = 1000;

/** Bytes of the base64 encoding of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/** Approximate push request body size for `dataBytes` of message data. */
export function pushBodyBytes(dataBytes: number, overheadBytes = PUSH_OVERHEAD_BYTES): number {
  return base64Length(dataBytes) + overheadBytes;
}

/** The largest message data that still fits the event payload limit once pushed. */
export function maxDataBytesForPush(limit = MAX_EVENT_PAYLOAD_BYTES, overheadBytes = PUSH_OVERHEAD_BYTES): number {
  return Math.floor((limit - overheadBytes) / 4) * 3;
}

/** Bytes of `s` as UTF-8. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
