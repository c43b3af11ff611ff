/**
 * The few numbers of a user's feature-store record (features/entity-state.ts) that the models read: lifetime views,
 * clicks-per-view and purchases, and the decayed activity rate and trend. Training takes them from the snapshot
 * as of the view (point in time); scoring takes them from the user's latest snapshot. One function serves both, so
 * a model is scored on exactly the inputs it was trained on.
 */
import type { FeatureRecord } from '../features/entity-state.js';

export interface UserProfile {
  /** Snapshot time the numbers describe (events with ts < asOf). */
  asOf: number;
  views: number;
  ctr: number | null;
  purchases: number;
  activityRate: number | null;
  trend: number | null;
}

const numberOr = (v: number | null | undefined, fallback: number | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

export function profileOf(record: FeatureRecord): UserProfile {
  const lifetime = record.features.windows.lifetime ?? {};
  const current = record.features.current;
  return {
    asOf: record.asOf,
    views: numberOr(lifetime.view, 0)!,
    ctr: numberOr(lifetime.ctr, null),
    purchases: numberOr(lifetime.purchase, 0)!,
    activityRate: numberOr(current.activityRate, null),
    trend: numberOr(current.trend, null),
  };
}

/** Whether a record flowing into the label step is a feature-store snapshot (rather than a behaviour event). */
export function isUserFeatureRecord(value: unknown): value is FeatureRecord {
  return typeof value === 'object' && value !== null && (value as FeatureRecord).entity === 'user' && typeof (value as FeatureRecord).asOf === 'number';
}
