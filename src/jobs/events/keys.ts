/** Predicates over behaviour events used when keying: exposures carry no item, so item keyed paths skip them. */
import type { BehaviourEvent } from './parse-event.js';

export function hasItem(e: BehaviourEvent): boolean {
  return typeof e.itemId === 'string';
}
