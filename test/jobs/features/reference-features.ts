/**
 * The plain reference the feature tests compare against: straight from the definitions in docs/features.md, over a
 * list of events, with no buckets, sketches or timers. A window of n buckets of size B as of T holds the events with
 * ts < T in the n buckets ending with the one that contains T - 1.
 */
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';

export interface ReferenceWindow {
  bucket: number;
  buckets: number;
}

export interface ReferenceTally {
  counts: Record<string, number>;
  gmv: number;
  distinctItems: number;
  distinctCategories: number;
  distinctUsers: number;
}

export function inWindow(ts: number, asOf: number, w: ReferenceWindow | null): boolean {
  if (ts >= asOf) return false;
  if (w === null) return true;
  const lastBucketStart = Math.floor((asOf - 1) / w.bucket) * w.bucket;
  return ts >= lastBucketStart - (w.buckets - 1) * w.bucket;
}

export function referenceTally(events: readonly BehaviourEvent[], asOf: number, w: ReferenceWindow | null): ReferenceTally {
  const included = events.filter((e) => inWindow(e.ts, asOf, w));
  const counts: Record<string, number> = { view: 0, click: 0, cart: 0, purchase: 0, exposure: 0 };
  let cents = 0;
  for (const e of included) {
    counts[e.type]! += 1;
    if (e.type === 'purchase') cents += Math.round((e.price ?? 0) * (e.qty ?? 1) * 100);
  }
  const distinct = (f: (e: BehaviourEvent) => unknown) => new Set(included.map(f).filter((v) => v !== undefined)).size;
  return {
    counts,
    gmv: cents / 100,
    distinctItems: distinct((e) => e.itemId),
    distinctCategories: distinct((e) => e.category),
    distinctUsers: distinct((e) => e.userId),
  };
}

/**
 * Events per hour by an exponentially decayed count with the given half-life, as of `asOf`, divided by what a steady
 * rate of one event per ms since the key was first seen would give (so a steady key reads its true rate).
 */
export function referenceDecayedRate(events: readonly BehaviourEvent[], asOf: number, halfLife: number): number {
  const tau = halfLife / Math.LN2;
  const before = events.filter((e) => e.ts < asOf);
  const age = asOf - Math.min(...before.map((e) => e.ts));
  const sum = before.filter((e) => e.type !== 'exposure').reduce((s, e) => s + Math.exp(-(asOf - e.ts) / tau), 0);
  return (sum / (tau * (1 - Math.exp(-age / tau)))) * 3_600_000;
}

/** The fraction of `sorted` values at or below x. */
export function empiricalRank(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}
