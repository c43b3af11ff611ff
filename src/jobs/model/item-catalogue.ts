/**
 * The item catalogue the click model keeps from the examples it learns: each item's category and list price (what
 * scoring needs to build an item's features) and an exponentially decayed view count, from which the most popular
 * items are ranked at each publication as recommendation candidates.
 */
import type { MapState } from '../../api/types.js';
import type { ItemEntry } from './model-state.js';

/** A decayed count as of `at`: `count` halved for every `halfLife` ms since `since`. */
function decayed(count: number, since: number, at: number, halfLife: number): number {
  return count * 2 ** (-(at - since) / halfLife);
}

/** Counts one view of `itemId` at `ts` and refreshes its category and price. */
export function recordItemView(items: MapState<ItemEntry>, itemId: string, category: number | null, price: number | null, ts: number, halfLife: number): void {
  const held = items.get(itemId);
  if (held === undefined) {
    items.set(itemId, [category, price, 1, ts]);
    return;
  }
  const at = Math.max(ts, held[3]);
  items.set(itemId, [category ?? held[0], price ?? held[1], decayed(held[2], held[3], at, halfLife) + decayed(1, ts, at, halfLife), at]);
}

/** The `limit` items with the highest decayed view count as of `at`, best first (ties by id). */
export function mostPopular(items: MapState<ItemEntry>, at: number, halfLife: number, limit: number): Array<[string, number]> {
  return items
    .entries()
    .map(([id, [, , count, since]]): [string, number] => [id, decayed(count, since, at, halfLife)])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit);
}
