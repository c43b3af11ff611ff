/**
 * Deterministic randomness for generators, jobs and tests: a fast seeded stream (mulberry32, as a closure or as a
 * re-seedable object) and stateless hashes that turn (seed, numbers) into uniforms, so a value that depends only on
 * an id (a user's taste, an item's quality, the n-th Nexmark event) can be recomputed anywhere without replaying
 * anything.
 */

const TWO_POW_32 = 4294967296;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}

/** The mulberry32 stream as an object that can be re-seeded, so a hot loop draws without allocating closures. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  reseed(seed: number): void {
    this.state = seed >>> 0;
  }

  /** A uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
  h ^= Math.floor(v / TWO_POW_32);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A 32-bit hash of a seed and up to three integers (murmur3 finalizer mixing). */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  return mix(mix(mix((seed ^ 0x9e3779b9) >>> 0, a), b), c) >>> 0;
}

/** A uniform in [0, 1) determined by (seed, a, b, c). */
export function uniform(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / TWO_POW_32;
}

/** A standard normal determined by (seed, a, b) (Box-Muller on two hashed uniforms). */
export function normal(seed: number, a: number, b = 0): number {
  const u1 = Math.max(uniform(seed, a, b, 1), 1e-12);
  const u2 = uniform(seed, a, b, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** The Poisson(mean) quantile of the uniform u (inversion by the recurrence p_k = p_(k-1) * mean / k). */
export function poissonQuantile(u: number, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  while (u >= cumulative && p > 0) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
