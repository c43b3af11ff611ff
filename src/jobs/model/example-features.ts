/**
 * The named features of each model, built the same way for training (label step) and for scoring (query routes):
 *   click: user id, item id, item category, ln(price / 20), device, the user's profile numbers, and the crosses the
 *          model's hashing spec lists (by default user x category, which can learn a favourite category);
 *   churn: the user's profile numbers, device, and whether the user bought within the churn horizon before.
 * Numbers are squashed (log1p of counts) so that one learning rate suits every coordinate.
 */
import type { NamedFeatures } from './feature-hashing.js';
import type { UserProfile } from './user-profile.js';

export interface ItemFacts {
  itemId: string;
  category: number | null;
  price: number | null;
}

function profileFeatures(profile: UserProfile | null): NamedFeatures {
  if (profile === null) return { 'user.new': true };
  return {
    'user.logViews': Math.log1p(profile.views),
    'user.ctr': profile.ctr,
    'user.logPurchases': Math.log1p(profile.purchases),
    'user.activity': profile.activityRate === null ? null : Math.log1p(profile.activityRate),
    'user.trend': profile.trend === null ? null : Math.max(-3, Math.min(3, profile.trend)),
  };
}

export function clickFeatures(userId: string, item: ItemFacts, device: string | null, profile: UserProfile | null): NamedFeatures {
  return {
    user: userId,
    item: item.itemId,
    category: item.category === null ? null : `c${item.category}`,
    logPrice: item.price === null || item.price <= 0 ? null : Math.log(item.price / 20),
    device,
    ...profileFeatures(profile),
  };
}

export function churnFeatures(profile: UserProfile | null, device: string | null, boughtRecently: boolean): NamedFeatures {
  return { device, boughtRecently, ...profileFeatures(profile) };
}

const EVERY_PROFILE_NUMBER: UserProfile = { asOf: 0, views: 1, ctr: 0.5, purchases: 1, activityRate: 1, trend: 1 };

/**
 * The features whose value is a number or a flag, so that their coordinate is the hash of the name alone
 * (feature-hashing.ts): the console names the weights of these; a categorical feature's coordinate hashes its value.
 */
export const NUMERIC_FEATURE_NAMES: readonly string[] = [
  ...new Set(
    [
      clickFeatures('', { itemId: '', category: null, price: 40 }, null, EVERY_PROFILE_NUMBER),
      churnFeatures(EVERY_PROFILE_NUMBER, null, true),
      profileFeatures(null),
    ].flatMap((features) =>
      Object.entries(features)
        .filter(([, value]) => typeof value === 'number' || typeof value === 'boolean')
        .map(([name]) => name),
    ),
  ),
];
