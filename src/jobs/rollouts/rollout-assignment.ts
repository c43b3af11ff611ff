/**
 * Who gets the new policy: a user's bucket in a rollout is a hash of (rollout id, user id) mapped to [0, 100), and
 * the user is treated while the rollout's share (percent) is above it. The bucket depends on nothing else, so it is
 * the same on every thread, in every process and after every restart; and since a schedule's shares only grow, a user
 * treated at 5% is still treated at 20% (GrowthBook's and LaunchDarkly's bucketing work the same way). Hashing the
 * rollout id with the user keeps the buckets of two rollouts independent.
 */
import { murmur3 } from '../../core/murmur3.js';

const TWO_TO_32 = 2 ** 32;

/** The user's bucket in [0, 100). */
export function rolloutBucket(rolloutId: string, userId: string): number {
  return (murmur3(`${rolloutId}\u0000${userId}`) / TWO_TO_32) * 100;
}

/** True when the user gets the new policy at a treated share of `sharePercent`. */
export function isTreated(rolloutId: string, userId: string, sharePercent: number): boolean {
  return rolloutBucket(rolloutId, userId) < sharePercent;
}
