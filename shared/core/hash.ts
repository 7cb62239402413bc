/**
 * Stable, platform-independent hashes. Pure functions: the same input gives the same output on
 * every machine and in every release, because pane ids, event ids and partitions are persisted.
 */
import * as crypto from 'node:crypto';

/** 32-bit FNV-1a over the UTF-16 code units of `s`, as an unsigned integer. Fast; not for security. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hex SHA-256 of the UTF-8 bytes of `s`. Used for content-derived event ids and pane ids. */
export function sha256Hex(s: string): string {
  return oneShotHash === undefined ? crypto.createHash('sha256').update(s, 'utf8').digest('hex') : oneShotHash('sha256', s, 'hex');
}

/** Node ≥ 20.12's one-shot `crypto.hash` is about 2.5× faster for short inputs; same digest. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The partition of a key: `fnv1a32(key) mod partitions`. transform and window-aggregator must agree
 * on this, so it lives in exactly one place.
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number ≥ 1; got ${partitions}`);
  }
  return fnv1a32(key) % partitions;
}
