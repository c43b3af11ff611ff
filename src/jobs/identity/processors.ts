/**
 * The identity processor a topology names (`flywheel:jobs/identity/processors.js#identity`), a factory called with
 * the step's `with` options; the step must be keyed by `flywheel:jobs/identity/processors.js#identityKey` (one key:
 * see identity-step.ts). It carries the routes serving /identity.
 */
import type { KeyedProcessor } from '../../api/types.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { resolveIdentityOptions } from './identity-options.js';
import { identityRoutes } from './identity-routes.js';
import { identityStep } from './identity-step.js';

export { identityKey } from './identity-step.js';

export interface IdentityProcessor extends KeyedProcessor<Record<string, unknown>, Record<string, unknown>> {
  queryRoutes: QueryRoutes;
}

export function identity(options: unknown): IdentityProcessor {
  const resolved = resolveIdentityOptions(options);
  return { ...identityStep(resolved), queryRoutes: identityRoutes(resolved) };
}
