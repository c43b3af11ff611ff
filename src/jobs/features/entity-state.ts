/**
 * The keyed state of a feature processor (plain data, stored as msgpack) and the feature record it emits and keeps
 * for the query routes. Per key:
 *   staging   value  [time of the last snapshot or null, StagedEvent[]: events waiting for their snapshot time]
 *                    (../events/staged-folds.ts)
 *   aggregate value  EntityAggregate: lifetime tally, window buckets, decayed counts
 *   distinct  value  one sliding HyperLogLog per distinct dimension
 *   prices    value  t-digest centroids (items)
 *   features  value  FeatureRecord: the latest snapshot, as emitted
 *   retired   value  the number of the identity change that last retired this id (user ids that follow merges)
 */
import type { Buckets, Tally } from './activity-windows.js';
import type { DecayedCounts } from './decayed-rate.js';
import type { EntityKind } from './entity-spec.js';
import type { SlidingHll } from './hyperloglog.js';

export const STATE = {
  aggregate: 'aggregate',
  distinct: 'distinct',
  prices: 'prices',
  features: 'features',
  retired: 'retired',
} as const;

/** [snapshot time, type index, ts, amount in cents, price or null, hash per distinct dimension or null]. */
export type StagedEvent = [number, number, number, number, number | null, ...Array<number | null>];

/** The type indexes that mark a staged transfer and a staged retirement. */
export const TRANSFER_ENTRY = -1;
export const RETIREMENT_ENTRY = -2;

/** [snapshot time, TRANSFER_ENTRY, the identity change's number, the content to add] (merge-following.ts). */
export type StagedTransfer = [number, typeof TRANSFER_ENTRY, number, FeatureContent];

/** [snapshot time, RETIREMENT_ENTRY, the identity change's number] (merge-following.ts). */
export type StagedRetirement = [number, typeof RETIREMENT_ENTRY, number];

export type StagedEntry = StagedEvent | StagedTransfer | StagedRetirement;

export interface EntityAggregate {
  lifetime: Tally;
  firstSeen: number | null;
  lastSeen: number | null;
  /** One bucket list per configured window, in option order. */
  buckets: Buckets[];
  decay: DecayedCounts;
}

/** What one user's features are made of, as moved from a retired id to the id it merged into (feature-content.ts). */
export interface FeatureContent {
  aggregate: EntityAggregate;
  sketches: SlidingHll[];
}

export type FeatureValues = Record<string, number | null>;

export interface FeatureRecord {
  entity: EntityKind;
  id: string;
  /** The snapshot time: the features describe the events with ts < asOf. */
  asOf: number;
  features: {
    /** Not windowed: first and last seen, activity rates and trend, price quantiles (items). */
    current: FeatureValues;
    /** Per window name, and `lifetime`. */
    windows: Record<string, FeatureValues>;
  };
}
