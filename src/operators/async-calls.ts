/**
 * Runs the calls of a batch's held records with at most `capacity` in flight, and hands each outcome on in input
 * order (ordered: an outcome waits for every earlier one, as Flink's ordered AsyncWaitOperator) or as it completes
 * (unordered). If handing an outcome on throws (the step's policy is fail), no further call starts, calls in flight
 * are aborted and their outcomes are dropped: the batch fails and its records are read again.
 */
import { setMaxListeners } from 'node:events';

export async function runBounded<T, R>(
  items: readonly T[],
  capacity: number,
  ordered: boolean,
  call: (item: T, stop: AbortSignal) => Promise<R>,
  handOn: (item: T, outcome: R) => void,
): Promise<void> {
  const stop = new AbortController();
  // Every call in flight listens to it: as many listeners as lanes, which is not a leak.
  setMaxListeners(capacity + 1, stop.signal);
  const waiting = new Map<number, R>();
  let next = 0;
  let head = 0;
  const settled = (index: number, outcome: R): void => {
    if (stop.signal.aborted) return;
    if (!ordered) {
      handOn(items[index]!, outcome);
      return;
    }
    waiting.set(index, outcome);
    for (; waiting.has(head); head++) {
      const ready = waiting.get(head)!;
      waiting.delete(head);
      handOn(items[head]!, ready);
    }
  };
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop.signal.aborted) {
      const index = next++;
      settled(index, await call(items[index]!, stop.signal));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(capacity, items.length) }, lane));
  } catch (err) {
    stop.abort();
    throw err;
  }
}
