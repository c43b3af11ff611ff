/**
 * A user's outcomes in one experiment: what the behaviour events with ts at or after the user's exposure add up to.
 * `converted` is 1 once the user bought anything; `revenue` is the sum of price x qty over purchases (qty defaults
 * to 1, a missing price to 0). These are the metrics an experiment can report on (experiment-options.ts).
 */
import type { BehaviourEvent } from '../events/parse-event.js';

export const USER_OUTCOMES = ['views', 'clicks', 'carts', 'purchases', 'converted', 'revenue'] as const;

export type UserOutcome = (typeof USER_OUTCOMES)[number];

export type Outcomes = Record<UserOutcome, number>;

export function noOutcomes(): Outcomes {
  return { views: 0, clicks: 0, carts: 0, purchases: 0, converted: 0, revenue: 0 };
}

/** Amount of a purchase: price x qty, 0 for other events. */
export function purchaseAmount(e: Pick<BehaviourEvent, 'type' | 'price' | 'qty'>): number {
  return e.type === 'purchase' ? (e.price ?? 0) * (e.qty ?? 1) : 0;
}

/** Adds one behaviour event (not an exposure) to a user's outcomes, in place. */
export function addToOutcomes(outcomes: Outcomes, type: BehaviourEvent['type'], amount: number): void {
  if (type === 'view') outcomes.views += 1;
  else if (type === 'click') outcomes.clicks += 1;
  else if (type === 'cart') outcomes.carts += 1;
  else if (type === 'purchase') {
    outcomes.purchases += 1;
    outcomes.converted = 1;
    outcomes.revenue += amount;
  }
}
