/**
 * The timers of one step in one pinned slot, held in memory between batches (a pinned slot is the only writer of
 * its key groups, so this copy stays exact): a priority queue in firing order with an index by timer id. Removal
 * is lazy: a removed timer stays in the heap, marked, until it reaches the front.
 */
import TinyQueue from 'tinyqueue';
import { leastRegistrant, type DueTimer, type TimerEntry } from './timer-changes.js';

export interface QueuedTimer extends TimerEntry {
  id: string;
  /** Taken out of the queue (lazily: it stays in the heap until it reaches the front). */
  removed: boolean;
  /** In LMDB as of the last commit. */
  committed: boolean;
  /** Set when the batch that takes it out must delete it from LMDB (it was committed). */
  stored: boolean;
}

/** (time, key group, key, namespace) order: the order timers fire in. */
export function byFiringOrder(a: DueTimer, b: DueTimer): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.kg !== b.kg) return a.kg - b.kg;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

export class TimerQueue {
  private readonly byId = new Map<string, QueuedTimer>();
  private readonly heap = new TinyQueue<QueuedTimer>([], byFiringOrder);

  /** Queues a timer, or keeps the least of its registrants if it is queued already; returns the queued entry. */
  add(id: string, timer: TimerEntry, committed: boolean): QueuedTimer {
    const queued = this.byId.get(id);
    if (queued) {
      queued.registeredBy = leastRegistrant(queued.registeredBy, timer.registeredBy);
      return queued;
    }
    const entry: QueuedTimer = { id, stepId: timer.stepId, kg: timer.kg, key: timer.key, time: timer.time, namespace: timer.namespace, registeredBy: timer.registeredBy, removed: false, committed, stored: false };
    this.byId.set(id, entry);
    this.heap.push(entry);
    return entry;
  }

  /** Takes a timer out; returns it, or undefined if it was not queued. */
  remove(id: string): QueuedTimer | undefined {
    const queued = this.byId.get(id);
    if (!queued) return undefined;
    queued.removed = true;
    this.byId.delete(id);
    return queued;
  }

  /** The earliest queued time, or Infinity. */
  firstTime(): number {
    this.dropRemovedTop();
    return this.heap.peek()?.time ?? Infinity;
  }

  /** Removes and returns the earliest timer if it is due at `upTo`, else null. */
  popDue(upTo: number): QueuedTimer | null {
    this.dropRemovedTop();
    const top = this.heap.peek();
    if (top === undefined || top.time > upTo) return null;
    this.heap.pop();
    this.byId.delete(top.id);
    return top;
  }

  private dropRemovedTop(): void {
    while (this.heap.length > 0 && this.heap.peek()!.removed) this.heap.pop();
  }
}
