/**
 * The model step's pending examples: a list kept sorted by order key (`<16-digit emission time>/<example id>`,
 * equal keys in arrival order), so a learn tick takes the prefix that is due instead of sorting the list. Examples
 * mostly arrive in order, and then adding one is an append.
 */
import type { PendingExample } from './model-state.js';
import { timeKey } from './training-example.js';

export function insertInOrder(pending: PendingExample[], example: PendingExample): void {
  const order = example[0];
  let lo = 0;
  let hi = pending.length;
  if (hi === 0 || pending[hi - 1]![0] <= order) {
    pending.push(example);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pending[mid]![0] <= order) lo = mid + 1;
    else hi = mid;
  }
  pending.splice(lo, 0, example);
}

/** How many examples at the head of the sorted list are due at `time` (emission time at most `time`). */
export function dueCount(pending: readonly PendingExample[], time: number): number {
  // A key is due when its time part is at most timeKey(time), that is when it sorts before `<timeKey(time)>0`:
  // the separator '/' sorts before '0'.
  const bound = `${timeKey(time)}0`;
  let due = 0;
  while (due < pending.length && pending[due]![0] < bound) due++;
  return due;
}
