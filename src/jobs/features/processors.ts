/**
 * The feature processors a topology names (`flywheel:jobs/features/processors.js#userFeatures`): factories called
 * with the step's `with` options. Each returns a keyed process function (keyed by user id or item id) that carries
 * the query routes serving what it keeps. For user features that follow the identity step's merges, the flatMap
 * `mergeMembers`, the keys `memberKey` and `featureKey`, and the transfer step `userFeatureTransfers` (given the same
 * `with` as the user features) go in front of them (docs/identity.md, "What a merge means downstream").
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { entityFeatures } from './entity-features.js';
import { itemSpec, userSpec, type EntitySpec } from './entity-spec.js';
import type { FeatureRecord } from './entity-state.js';
import { resolveFeatureOptions, type FeatureOptions } from './feature-options.js';
import { featureRoutes } from './feature-routes.js';
import type { FeatureTransfer, MovedMember, Retirement } from './merge-records.js';
import { featureTransfers } from './merge-transfers.js';

export { featureKey, isPassedEvent, memberKey, mergeMembers } from './merge-records.js';

export interface FeatureProcessor extends KeyedProcessor<BehaviourEvent | FeatureTransfer | Retirement, FeatureRecord> {
  queryRoutes: QueryRoutes;
}

function featureProcessor(spec: EntitySpec, options: FeatureOptions): FeatureProcessor {
  const resolved = resolveFeatureOptions(options);
  return { ...entityFeatures(spec, resolved), queryRoutes: featureRoutes(spec, resolved) };
}

/** Features per user (key: userId), served at /features/users/:id. */
export function userFeatures(options: FeatureOptions = {}): FeatureProcessor {
  return featureProcessor(userSpec, options);
}

/** Features per item (key: itemId), served at /features/items/:id. */
export function itemFeatures(options: FeatureOptions = {}): FeatureProcessor {
  return featureProcessor(itemSpec, options);
}

/** The transfer step in front of user features that follow merges (key: memberKey), with the user features' options. */
export function userFeatureTransfers(
  options: FeatureOptions = {},
): KeyedProcessor<BehaviourEvent | MovedMember, BehaviourEvent | FeatureTransfer | Retirement> {
  return featureTransfers(userSpec, resolveFeatureOptions(options));
}
