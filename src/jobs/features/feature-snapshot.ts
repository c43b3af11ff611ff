/**
 * Turns an entity's aggregate state into its features as of a snapshot time: per window and lifetime the counts per
 * event type, CTR (clicks / views), cart and purchase rates (per view), GMV, average order value (GMV / purchases)
 * and distinct-value estimates; and, not windowed, first and last seen, decayed activity rates, the trend and price
 * quantiles. Rates are null when their denominator is 0. The field names are fixed by the spec and options, so the
 * query routes can check a `fields` selection without reading any state.
 */
import { windowStart, windowTally, type Tally } from './activity-windows.js';
import { decayedRates, advanceDecay } from './decayed-rate.js';
import type { EntitySpec } from './entity-spec.js';
import type { EntityAggregate, FeatureRecord, FeatureValues } from './entity-state.js';
import type { ResolvedFeatureOptions } from './feature-options.js';
import { hllEstimate, type SlidingHll } from './hyperloglog.js';
import { digestCount, digestQuantiles } from './seeded-tdigest.js';

export const LIFETIME = 'lifetime';

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** `priceP50` for 0.5, `priceP99_9` for 0.999. */
export function quantileField(q: number): string {
  return `priceP${String(Math.round(q * 1e6) / 1e4).replace('.', '_')}`;
}

export function windowFieldNames(spec: EntitySpec): string[] {
  return [...spec.types, 'ctr', 'cartRate', 'purchaseRate', 'gmv', 'averageOrderValue', ...spec.distinct.map((d) => d.name)];
}

export function currentFieldNames(spec: EntitySpec, options: ResolvedFeatureOptions): string[] {
  const prices = spec.prices ? [...options.priceQuantiles.map(quantileField), 'pricedEvents'] : [];
  return ['firstSeen', 'lastSeen', 'activityRate', 'activityRateLong', 'trend', ...prices];
}

function windowFeatures(spec: EntitySpec, tally: Tally, distinct: number[]): FeatureValues {
  const count = (type: string): number => tally[spec.types.indexOf(type as never)] ?? 0;
  const cents = tally[tally.length - 1]!;
  const values: FeatureValues = {};
  spec.types.forEach((type, i) => (values[type] = tally[i]!));
  values.ctr = ratio(count('click'), count('view'));
  values.cartRate = ratio(count('cart'), count('view'));
  values.purchaseRate = ratio(count('purchase'), count('view'));
  values.gmv = cents / 100;
  values.averageOrderValue = ratio(cents / 100, count('purchase'));
  spec.distinct.forEach((d, i) => (values[d.name] = distinct[i]!));
  return values;
}

export interface SnapshotInputs {
  aggregate: EntityAggregate;
  sketches: SlidingHll[];
  prices: number[];
}

export function featuresAsOf(spec: EntitySpec, options: ResolvedFeatureOptions, s: SnapshotInputs, asOf: number): FeatureRecord['features'] {
  const p = options.distinctPrecision;
  const windows: Record<string, FeatureValues> = {};
  options.windows.forEach((w, i) => {
    const start = windowStart(w, asOf) / options.emitInterval;
    const tally = windowTally(s.aggregate.buckets[i]!, w, asOf, spec.types.length);
    windows[w.label] = windowFeatures(
      spec,
      tally,
      s.sketches.map((sketch) => hllEstimate(sketch, p, start)),
    );
  });
  windows[LIFETIME] = windowFeatures(
    spec,
    s.aggregate.lifetime,
    s.sketches.map((sketch) => hllEstimate(sketch, p, null)),
  );
  const age = asOf - (s.aggregate.firstSeen ?? asOf);
  const rates = decayedRates(advanceDecay(s.aggregate.decay, asOf, [], options.halfLives), options.halfLives, age);
  const current: FeatureValues = {
    firstSeen: s.aggregate.firstSeen,
    lastSeen: s.aggregate.lastSeen,
    activityRate: rates.shortRate,
    activityRateLong: rates.longRate,
    trend: rates.trend,
  };
  if (spec.prices) {
    const quantiles = digestQuantiles(s.prices, options.priceQuantiles, options.priceCompression);
    options.priceQuantiles.forEach((q, i) => (current[quantileField(q)] = quantiles[i]!));
    current.pricedEvents = digestCount(s.prices);
  }
  return { current, windows };
}
