/**
 * The true effect of a self-selected feature on users' clicks since exposure, from the generator's true click model:
 * for each exposed user, the sum over the views the user actually had after exposure of
 *   P(click | user, item, feature used) - P(click | user, item, feature not used),
 * the user's other experiments held as they are, averaged over all exposed users (the ATE on clicks per user, given
 * the realized views, which the feature does not change).
 */
import type { EcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';
import { truth } from '../../../src/connectors/generator/ecommerce-truth.js';
import type { UnitRow } from './batch-reference.js';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';

export function trueClickEffect(
  options: Partial<EcommerceOptions>,
  experimentId: string,
  units: readonly UnitRow[],
  events: readonly BehaviourEvent[],
): number {
  const world = truth(options);
  const e = options.experiments!.findIndex((x) => x.id === experimentId);
  const assignment = world.plan.assignments[e]!;
  const variants = assignment.option.variants;
  const exposedAt = new Map(units.map((u) => [u.user, u.exposedAt]));
  let total = 0;
  for (const v of events) {
    const at = exposedAt.get(v.userId);
    if (v.type !== 'view' || at === undefined || v.ts < at) continue;
    const u = Number(v.userId.slice(1));
    const i = Number(v.itemId!.slice(1));
    const other = world.plan.clickShift[u]! - variants[world.plan.experienced(e, u)]!.clickEffect;
    total += world.model.clickProbability(u, i, other + variants[1]!.clickEffect) - world.model.clickProbability(u, i, other + variants[0]!.clickEffect);
  }
  return total / units.length;
}
