/**
 * The part of an entity's features that folds events and adds up: the aggregate (lifetime tally, window buckets,
 * first and last seen, decayed counts) and the distinct-value sketches. The feature processor folds staged events
 * into it at each snapshot; where user ids merge (docs/identity.md, "What a merge means downstream") one user's
 * content is added into another's by the documented rule: tallies and bucket counts add, first seen takes the
 * earlier and last seen the later time, decayed counts are decayed to a common time and added, HyperLogLog sketches
 * merge (registers take the maximum).
 */
import { murmur3 } from '../../core/murmur3.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { addBuckets, addToBuckets, addToTally, emptyTally, windowStart } from './activity-windows.js';
import { advanceDecay, emptyDecay, type DecayedCounts } from './decayed-rate.js';
import type { EntitySpec } from './entity-spec.js';
import type { FeatureContent, StagedEvent } from './entity-state.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import { emptyHll, hllAdd, hllMerge } from './hyperloglog.js';

/** Amount of a purchase line in integer cents: price x qty (qty defaults to 1, a missing price to 0). */
function lineCents(e: BehaviourEvent): number {
  return e.type === 'purchase' ? Math.round((e.price ?? 0) * (e.qty ?? 1) * 100) : 0;
}

/** An event as staged for the fold at `due`, or null for an event type the entity does not count. */
export function stagedEvent(spec: EntitySpec, e: BehaviourEvent, due: number): StagedEvent | null {
  const typeIndex = spec.types.indexOf(e.type);
  if (typeIndex < 0) return null;
  const price = spec.prices && e.price !== undefined ? e.price : null;
  const hashes = spec.distinct.map((d) => {
    const v = d.valueOf(e);
    return v === undefined ? null : murmur3(v);
  });
  return [due, typeIndex, e.ts, lineCents(e), price, ...hashes];
}

export function emptyContent(spec: EntitySpec, options: ResolvedFeatureOptions, at: number): FeatureContent {
  return {
    aggregate: { lifetime: emptyTally(spec.types.length), firstSeen: null, lastSeen: null, buckets: options.windows.map(() => []), decay: emptyDecay(at) },
    sketches: spec.distinct.map(emptyHll),
  };
}

export function longestWindow(options: ResolvedFeatureOptions): ResolvedFeatureOptions['windows'][number] {
  return options.windows.reduce((a, w) => (w.size > a.size ? w : a));
}

/**
 * Folds staged events into the aggregate and sketches as of `asOf` (buckets and sketch pairs already out of every
 * window as of then are not kept); returns their prices and activity times (exposures are no activity), for the
 * caller's digest and decayed counts.
 */
export function foldEvents(
  spec: EntitySpec,
  options: ResolvedFeatureOptions,
  events: readonly StagedEvent[],
  content: FeatureContent,
  asOf: number,
): { prices: number[]; activity: number[] } {
  const E = options.emitInterval;
  const { aggregate, sketches } = content;
  const horizon = windowStart(longestWindow(options), asOf) / E;
  const prices: number[] = [];
  const activity: number[] = [];
  for (const [, typeIndex, ts, cents, price, ...hashes] of events) {
    addToTally(aggregate.lifetime, typeIndex, cents);
    aggregate.firstSeen = aggregate.firstSeen === null ? ts : Math.min(aggregate.firstSeen, ts);
    aggregate.lastSeen = aggregate.lastSeen === null ? ts : Math.max(aggregate.lastSeen, ts);
    options.windows.forEach((w, i) => addToBuckets(aggregate.buckets[i]!, w, asOf, ts, typeIndex, cents, spec.types.length));
    hashes.forEach((h, i) => h !== null && hllAdd(sketches[i]!, options.distinctPrecision, h, Math.floor(ts / E), horizon));
    if (price !== null) prices.push(price);
    if (spec.types[typeIndex] !== 'exposure') activity.push(ts);
  }
  return { prices, activity };
}

/** Two decayed sums as one: both decayed to the later of their times, then added. */
function addDecay(a: DecayedCounts, b: DecayedCounts, halfLives: ResolvedFeatureOptions['halfLives']): DecayedCounts {
  const at = Math.max(a.at, b.at);
  const [x, y] = [advanceDecay(a, at, [], halfLives), advanceDecay(b, at, [], halfLives)];
  return { short: x.short + y.short, long: x.long + y.long, at };
}

const earlier = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const later = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** Adds `other` into `content`, as of the snapshot time `asOf` (buckets and pairs out of every window then are dropped). */
export function addContent(spec: EntitySpec, options: ResolvedFeatureOptions, content: FeatureContent, other: FeatureContent, asOf: number): void {
  const [a, b] = [content.aggregate, other.aggregate];
  b.lifetime.forEach((n, j) => (a.lifetime[j]! += n));
  a.firstSeen = earlier(a.firstSeen, b.firstSeen);
  a.lastSeen = later(a.lastSeen, b.lastSeen);
  options.windows.forEach((w, i) => addBuckets(a.buckets[i]!, b.buckets[i]!, w, asOf, spec.types.length));
  a.decay = addDecay(a.decay, b.decay, options.halfLives);
  const horizon = windowStart(longestWindow(options), asOf) / options.emitInterval;
  other.sketches.forEach((sketch, i) => hllMerge(content.sketches[i]!, sketch, options.distinctPrecision, horizon));
}
