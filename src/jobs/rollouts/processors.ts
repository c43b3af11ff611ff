/**
 * The rollout step a topology names: the processor `flywheel:jobs/rollouts/processors.js#rollouts` (a factory called
 * with the step's `with` options, carrying its query routes), keyed by `#rolloutKey`, with `#rolloutInput` to keep
 * of the events only the exposures (the step's other input is the command log).
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import type { RolloutStep } from './rollout-decision.js';
import { resolveRolloutOptions, type RolloutOptions } from './rollout-options.js';
import { rolloutRoutes } from './rollout-routes.js';
import { rolloutSteps, type RolloutInput } from './rollout-step.js';

export interface RolloutProcessor extends KeyedProcessor<RolloutInput, RolloutStep> {
  queryRoutes: QueryRoutes;
}

export function rollouts(options: RolloutOptions): RolloutProcessor {
  const resolved = resolveRolloutOptions(options);
  return { ...rolloutSteps(resolved), queryRoutes: rolloutRoutes(resolved) };
}

interface Input {
  rollout?: unknown;
  experiment?: { id?: unknown };
}

/** Exposures (the records that name an experiment): the events a rollout step needs. */
export function rolloutInput(event: Input): boolean {
  return typeof event.experiment?.id === 'string';
}

/** The key of a rollout step's input: a command's rollout, or an exposure's experiment (the rollout's id). */
export function rolloutKey(record: Input): string {
  return String(record.rollout ?? record.experiment?.id);
}
