/**
 * The committed timers of one step in one pinned slot, held in memory between batches (a pinned slot is the only
 * writer of its key groups, so this copy stays exact): a priority queue in firing order with an index by timer id.
 * Removal is lazy: a removed timer stays in the queue, marked, until it reaches the front. LMDB still holds every
 * timer (the slot batch writes them in its transaction); this only spares scanning it.
 */
import TinyQueue from 'tinyqueue';
import type { DueTimer } from './slot-timers.js';

export interface QueuedTimer extends DueTimer {
  id: string;
  removed: boolean;
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

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Adds a timer, or records who registered it last if it is already queued. */
  add(id: string, timer: DueTimer): void {
    const queued = this.byId.get(id);
    if (queued) {
      queued.registeredBy = timer.registeredBy;
      return;
    }
    const entry: QueuedTimer = { id, kg: timer.kg, key: timer.key, time: timer.time, namespace: timer.namespace, registeredBy: timer.registeredBy, removed: false };
    this.byId.set(id, entry);
    this.heap.push(entry);
  }

  remove(id: string): void {
    const queued = this.byId.get(id);
    if (!queued) return;
    queued.removed = true;
    this.byId.delete(id);
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
