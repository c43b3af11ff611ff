/**
 * Key -> key group: a stable 32-bit hash (FNV-1a over UTF-16 code units, then murmur3's fmix32 to spread the bits)
 * modulo the job's fixed key-group count. State is stored under the key group, so this function must never change
 * for an existing state directory. Lives in core because both the runtime (routing) and the state readers (lookup)
 * need it; a key is a plain string here.
 */

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function keyGroupOf(key: string, keyGroups: number): number {
  return hashKey(key) % keyGroups;
}

/** Normalizes a key value: strings as they are, finite numbers by their decimal string; anything else is no key. */
export function normalizeKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}
