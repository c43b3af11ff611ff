/**
 * The keyed state of the label step, per user (plain data, stored as msgpack):
 *   pending   map    `<due time>/<sequence>` -> PendingLabel: views waiting for their label, churn observations
 *                    waiting for the user's snapshot, churn labels waiting for their horizon
 *   clicks    map    itemId -> event times of the user's clicks, carts and purchases of that item (recent only)
 *   purchases value  event times of the user's recent purchases, ascending
 *   profiles  map    `<asOf>` -> UserProfile: feature-store snapshots, for point-in-time features
 *   user      value  UserLabelState: next sequence number, last churn observation, recent items, current session
 */
import type { NamedFeatures } from './feature-hashing.js';
import type { ItemFacts } from './example-features.js';

export const LABEL_STATE = {
  pending: 'pending',
  clicks: 'clicks',
  purchases: 'purchases',
  profiles: 'profiles',
  user: 'user',
} as const;

export type PendingLabel =
  | { kind: 'view'; seq: number; ts: number; item: ItemFacts; device: string | null }
  | { kind: 'observe'; seq: number; ts: number; device: string | null }
  | { kind: 'churn'; seq: number; ts: number; features: NamedFeatures };

export interface UserLabelState {
  nextSeq: number;
  lastObservation: number | null;
  /** Most recent first, distinct. */
  recentItems: string[];
  session: { id: string; items: string[] } | null;
}
