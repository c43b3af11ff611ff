/**
 * The feature processors a topology names (`flywheel:jobs/features/processors.js#userFeatures`): factories called
 * with the step's `with` options. Each returns a keyed process function (keyed by user id or item id) that carries
 * the query routes serving what it keeps.
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { entityFeatures } from './entity-features.js';
import { itemSpec, userSpec, type EntitySpec } from './entity-spec.js';
import type { FeatureRecord } from './entity-state.js';
import { resolveFeatureOptions, type FeatureOptions } from './feature-options.js';
import { featureRoutes } from './feature-routes.js';

export interface FeatureProcessor extends KeyedProcessor<BehaviourEvent, FeatureRecord> {
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
