/**
 * The experiment processors a topology names (`flywheel:jobs/experiments/processors.js#experimentUsers` and
 * `#experimentEstimates`), factories called with the step's `with` options (both steps take the same options):
 * stage 1 keyed by user id, stage 2 keyed by experiment id, the latter carrying the query routes.
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import type { ExperimentChange } from './contribution.js';
import { resolveExperimentOptions, type ExperimentOptions } from './experiment-options.js';
import { experimentRoutes } from './experiment-routes.js';
import { experimentEstimates as estimatesProcessor, type ExperimentOutput } from './experiment-stage.js';
import { userContributions } from './user-stage.js';

export interface ExperimentProcessor extends KeyedProcessor<ExperimentChange, ExperimentOutput> {
  queryRoutes: QueryRoutes;
}

/** Stage 1, keyed by user id: a user's outcomes since each exposure, emitted as contribution changes. */
export function experimentUsers(options: ExperimentOptions): KeyedProcessor<BehaviourEvent, ExperimentChange> {
  return userContributions(resolveExperimentOptions(options));
}

/** Stage 2, keyed by experiment id: per-arm sufficient statistics, reports served at /experiments, emitted as changes. */
export function experimentEstimates(options: ExperimentOptions): ExperimentProcessor {
  const resolved = resolveExperimentOptions(options);
  return { ...estimatesProcessor(resolved), queryRoutes: experimentRoutes(resolved) };
}
