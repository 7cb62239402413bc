/**
 * MurmurHash3 x86_32 of a string's UTF-16LE bytes. Used by the sketches: their registers are
 * persisted, so the hash must be the same on every machine and in every release — never replace
 * it without migrating stored sketches. Fast, well-distributed, not for security.
 */
export function murmur3(s: string, seed: number): number {
  let h = seed >>> 0;
  const len = s.length;
  const blocks = len >>> 1;
  for (let i = 0; i < blocks; i++) {
    let k = (s.charCodeAt(2 * i) | (s.charCodeAt(2 * i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (len & 1) {
    let k = s.charCodeAt(len - 1);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
