/**
 * The action steps a topology names: `#campaignDecisions` (campaign-decisions.ts: users gone silent scored and
 * decided by a rules file, as action records), and `flywheel:jobs/actions/processors.js#contactRules`, a keyed step (after a
 * keyBy on the user) that lets an action through or suppresses it by the contact rules of a rules file
 * (`with: { rules: topologies/rules/marketing.yaml }`, relative to the working directory). The file is loaded and
 * compiled when the step is created, so bad rules stop the job before any data is touched. The step serves the file
 * it checks at GET /rules (read-only).
 */
import { resolve } from 'node:path';
import type { KeyedProcessor } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { checkedStepOptions } from '../model/step-options.js';
import { loadRulesFile } from '../scoring/rules/rules-loader.js';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { rulesRoute } from '../scoring/rules-route.js';
import { contactStep } from './contact-step.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: { rules: { type: 'string', minLength: 1, description: 'rules file with a contact: section, relative to the working directory' } },
} as const;

export function contactRules(options: unknown): KeyedProcessor<unknown, unknown> & { queryRoutes: QueryRoutes } {
  const { rules } = checkedStepOptions<{ rules: string }>(schema, options, 'contact rules', 'docs/actions.md');
  const ruleSet = loadRulesFile(resolve(rules));
  if (ruleSet.contact === null)
    throw new FlywheelError(
      ErrorCodes.RULES_INVALID,
      'the rules file has no contact: section',
      { file: ruleSet.file, path: 'contact' },
      'add contact: { rules: [{ id, minGap | maxPerWindow | quietHours }] } (docs/actions.md)',
    );
  return { ...contactStep(ruleSet.contact), queryRoutes: rulesRoute(ruleSet, 'contact') };
}

export { campaignDecisions } from './campaign-decisions.js';
