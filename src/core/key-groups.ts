/**
 * Key -> key group: a stable 32-bit hash (FNV-1a over UTF-16 code units, then murmur3's fmix32 to spread the bits)
 * modulo the job's fixed key-group count. State is stored under the key group, so this function must never change
 * for an existing state directory. Lives in core because both the runtime (routing) and the state readers (lookup)
 * need it; a key is a plain string here.
 */
import { fmix32 } from './murmur3.js';

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
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
