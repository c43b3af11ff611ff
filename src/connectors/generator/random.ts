/**
 * Deterministic randomness for the generators: a fast seeded stream (mulberry32) and stateless hashes that turn
 * (seed, numbers) into uniforms, so a value that depends only on an id (a user's taste, an item's quality, the n-th
 * Nexmark event) can be recomputed anywhere without replaying anything.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a seed and up to three integers (murmur3 finalizer mixing). */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [a, b, c]) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= Math.floor(v / 4294967296);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A uniform in [0, 1) determined by (seed, a, b, c). */
export function uniform(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / 4294967296;
}

/** A standard normal determined by (seed, a, b) (Box-Muller on two hashed uniforms). */
export function normal(seed: number, a: number, b = 0): number {
  const u1 = Math.max(uniform(seed, a, b, 1), 1e-12);
  const u2 = uniform(seed, a, b, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
