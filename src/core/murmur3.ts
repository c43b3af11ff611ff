/**
 * MurmurHash3 x86_32 (Austin Appleby, SMHasher reference `MurmurHash3_x86_32`): the 32-bit hash that turns feature
 * names into bucket numbers. Strings are hashed as their UTF-8 bytes, so the result matches other implementations.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** The hash of `bytes[0..length)` with `seed`, as an unsigned 32-bit integer. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed >>> 0;
  const blockEnd = length & ~3;
  for (let i = 0; i < blockEnd; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let k = bytes[blockEnd]!;
    if (rest > 1) k ^= bytes[blockEnd + 1]! << 8;
    if (rest > 2) k ^= bytes[blockEnd + 2]! << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  return fmix32(h ^ length);
}

/** murmur3's finalizer: spreads every input bit over the whole 32-bit result (unsigned). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of the UTF-8 encoding of `text` with `seed`, as an unsigned 32-bit integer. */
export function murmur3(text: string, seed = 0): number {
  // A UTF-8 encoding takes at most 3 bytes per UTF-16 code unit.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3Bytes(scratch, seed, written);
}
