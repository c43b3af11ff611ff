/**
 * The expectations processor a topology names (`flywheel:jobs/quality/processors.js#expectations`), a factory
 * called with the step's `with` options, carrying the routes serving /quality; and `qualityKey`, the keyBy function
 * that sends every record to the step's one key.
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { resolveExpectationOptions } from './expectation-options.js';
import { qualityRoutes } from './quality-routes.js';
import { qualityStep } from './quality-step.js';

export { qualityKey } from './quality-step.js';

export interface ExpectationsProcessor extends KeyedProcessor<unknown, unknown> {
  queryRoutes: QueryRoutes;
}

export function expectations(options: unknown): ExpectationsProcessor {
  const resolved = resolveExpectationOptions(options);
  const { processor, checks } = qualityStep(resolved, resolved.key);
  return { ...processor, queryRoutes: qualityRoutes(checks, resolved.key, resolved.readiness) };
}
