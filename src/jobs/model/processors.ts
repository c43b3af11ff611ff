/**
 * The processors of the online-learning job, as a topology names them (`flywheel:jobs/model/processors.js#labels`):
 * factories called with the step's `with` options.
 *   labels    keyed by user: labelled examples for the click and churn models (label-join.ts)
 *   model     keyed by model name: FTRL learning with progressive validation and published versions, GET /models;
 *             with a `serve:` section also the scoring routes (POST /score, GET /recommendations, POST /decide)
 *   covisits  keyed by item: how often other items were viewed in the same sessions (recommendation candidates)
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import type { FeatureRecord } from '../features/entity-state.js';
import { covisitCounter, type CovisitOptions } from './covisits.js';
import { labelJoin, type CovisitPair } from './label-join.js';
import { resolveLabelOptions } from './label-options.js';
import { resolveModelOptions } from './model-options.js';
import { modelRoutes } from './model-routes.js';
import { onlineModel, type OnlineModel } from './model-trainer.js';
import type { TrainingExample } from './training-example.js';
import { scoringRoutes } from '../scoring/scoring-routes.js';
import { resolveScoringOptions } from '../scoring/scoring-options.js';

export function labels(options: Parameters<typeof resolveLabelOptions>[0] = {}): KeyedProcessor<BehaviourEvent | FeatureRecord, TrainingExample> {
  return labelJoin(resolveLabelOptions(options));
}

export function model(options: Record<string, unknown> = {}): OnlineModel & { queryRoutes: QueryRoutes } {
  const { serve, ...modelOptions } = options;
  const resolved = resolveModelOptions(modelOptions);
  const routes = modelRoutes(resolved);
  if (serve === undefined) return { ...onlineModel(resolved), queryRoutes: routes };
  const scoring = scoringRoutes(resolveScoringOptions(serve));
  return {
    ...onlineModel(resolved),
    queryRoutes: (app, step) => {
      routes(app, step);
      scoring(app, step);
    },
  };
}

export function covisits(options: CovisitOptions = {}): KeyedProcessor<CovisitPair, never> {
  return covisitCounter(options);
}
