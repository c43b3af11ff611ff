/**
 * What the features of one kind of entity are made of: which event types it counts, which distinct values it
 * sketches (a user's items and categories, an item's users), and whether it keeps price quantiles. The user and
 * item processors share all code and differ only in their spec.
 */
import type { BehaviourEvent, EventType } from '../events/parse-event.js';

export type EntityKind = 'user' | 'item';

export interface DistinctDimension {
  /** Feature name of the estimate, e.g. `distinctItems`. */
  name: string;
  valueOf(event: BehaviourEvent): string | undefined;
}

export interface EntitySpec {
  entity: EntityKind;
  /** Event types counted, in tally order; events of other types are ignored. */
  types: readonly EventType[];
  distinct: readonly DistinctDimension[];
  prices: boolean;
}

export const userSpec: EntitySpec = {
  entity: 'user',
  types: ['view', 'click', 'cart', 'purchase', 'exposure'],
  distinct: [
    { name: 'distinctItems', valueOf: (e) => e.itemId },
    { name: 'distinctCategories', valueOf: (e) => (e.category === undefined ? undefined : String(e.category)) },
  ],
  prices: false,
};

export const itemSpec: EntitySpec = {
  entity: 'item',
  types: ['view', 'click', 'cart', 'purchase'],
  distinct: [{ name: 'distinctUsers', valueOf: (e) => e.userId }],
  prices: true,
};
